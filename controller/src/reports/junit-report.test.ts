import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JUnitReportError, parseJUnitReport } from './junit-report.js';
import { countCases } from './test-results.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/junit/${name}`, import.meta.url), 'utf8');

describe('parseJUnitReport: the dialects test runners write', () => {
  it.each([
    ['jest-junit.xml', { total: 4, passed: 2, failed: 1, error: 0, skipped: 1 }, 'greet handles an empty name'],
    ['vitest.xml', { total: 4, passed: 2, failed: 1, error: 0, skipped: 1 }, 'greet > shouts'],
    ['pytest.xml', { total: 5, passed: 2, failed: 1, error: 1, skipped: 1 }, 'test_shout'],
    ['gotestsum.xml', { total: 4, passed: 2, failed: 1, error: 0, skipped: 1 }, 'TestShout'],
    ['surefire.xml', { total: 4, passed: 2, failed: 1, error: 1, skipped: 0 }, 'shout'],
    ['playwright.xml', { total: 3, passed: 1, failed: 1, error: 0, skipped: 1 }, 'home page › signs in'],
  ])('%s: counts every case and names the failing one', (file, counts, failing) => {
    const cases = parseJUnitReport(fixture(file));
    expect(countCases(cases)).toEqual(counts);
    expect(cases.filter((testCase) => testCase.status === 'failed').map((testCase) => testCase.name)).toEqual([
      failing,
    ]);
  });

  it.each([
    ['jest-junit.xml', 'Error: expect(received).toBe(expected) // Object.is equality', 'Received: "Hello, "'],
    ['vitest.xml', "expected 'hello' to be 'HELLO' // Object.is equality", 'src/greet.test.ts:9:22'],
    ['pytest.xml', "AssertionError: assert 'hello' == 'HELLO'\n  \n  - HELLO\n  + hello", 'tests/test_greet.py:9'],
    ['gotestsum.xml', 'Failed', 'greet_test.go:14: got "hello", want "HELLO"'],
    ['surefire.xml', 'expected: <HELLO> but was: <hello>', 'shouting at the world'],
    ['playwright.xml', 'home.spec.ts:12:7 signs in', 'Timed out 5000ms waiting for expect(locator).toBeVisible()'],
  ])('%s: keeps the failure message and its output, entities decoded', (file, message, inOutput) => {
    const failed = parseJUnitReport(fixture(file)).find((testCase) => testCase.status === 'failed');
    expect(failed?.message).toBe(message);
    expect(failed?.output).toContain(inOutput);
  });

  it('reads suites, class names and durations in milliseconds (Surefire groups thousands)', () => {
    const cases = parseJUnitReport(fixture('surefire.xml'));
    expect(cases[0]).toMatchObject({
      suite: 'com.example.GreetTest',
      className: 'com.example.GreetTest',
      durationMs: 2,
    });
    expect(cases[3]).toMatchObject({ name: 'talksToClock', status: 'passed', durationMs: 1_204_100, flaky: true });
    const vitest = parseJUnitReport(fixture('vitest.xml'));
    expect(new Set(vitest.map((testCase) => testCase.suite))).toEqual(
      new Set(['src/greet.test.ts', 'src/format.test.ts']),
    );
  });

  it('keeps the skip reason as the message of a skipped case', () => {
    const skipped = parseJUnitReport(fixture('pytest.xml')).find((testCase) => testCase.status === 'skipped');
    expect(skipped).toMatchObject({ name: 'test_locale', message: 'needs the fr_FR locale', output: null });
  });

  it('reads nested suites into one path', () => {
    const xml =
      '<testsuites><testsuite name="outer"><testsuite name="inner"><testcase name="a" time="0.5"/></testsuite></testsuite></testsuites>';
    expect(parseJUnitReport(xml)).toMatchObject([
      { suite: 'outer › inner', name: 'a', durationMs: 500, status: 'passed' },
    ]);
  });
});

describe('parseJUnitReport: what it refuses', () => {
  it.each([
    ['<testsuites><testsuite name="a"><testcase name="x"></testsuite></testsuites>', /not well-formed XML \(line 1/],
    ['this is not xml', /not well-formed XML/],
    ['<results><result/></results>', /no <testsuites> or <testsuite> element/],
    [
      '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><testsuite><testcase name="&lol;"/></testsuite>',
      /DOCTYPE or ENTITY declaration is not allowed/,
    ],
  ])('%s', (xml, message) => {
    expect(() => parseJUnitReport(xml)).toThrow(JUnitReportError);
    expect(() => parseJUnitReport(xml)).toThrow(message);
  });

  it('refuses a report with more cases than the limit', () => {
    const xml = `<testsuite>${'<testcase name="t"/>'.repeat(11)}</testsuite>`;
    const limits = { maxCases: 10, maxMessageChars: 100, maxOutputChars: 100 };
    expect(() => parseJUnitReport(xml, limits)).toThrow('more than 10 test cases');
  });

  it('cuts long messages and output to their limits', () => {
    const long = 'x'.repeat(500);
    const xml = `<testsuite><testcase name="t"><failure message="${long}">${long}</failure></testcase></testsuite>`;
    const [testCase] = parseJUnitReport(xml, { maxCases: 10, maxMessageChars: 100, maxOutputChars: 200 });
    expect(testCase?.message).toBe(`${'x'.repeat(100)}… (cut at 100 characters)`);
    expect(testCase?.output).toBe(`${'x'.repeat(200)}… (cut at 200 characters)`);
  });
});
