/**
 * Reads a JUnit XML report into test cases. Pure: no I/O. Accepts the
 * dialects test runners write: a <testsuites> root or a bare <testsuite>
 * (Maven Surefire), nested suites, `time` in seconds with or without
 * thousands separators, failures as a `message` attribute and/or text
 * (jest-junit writes text only, gotestsum puts the output in the text,
 * Playwright in CDATA), <skipped> with or without a message, and Surefire's
 * flakyFailure/rerunFailure. Throws JUnitReportError naming what is wrong.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCaseResult, TestStatus } from './test-results.js';

/** Bounds of one report; each case's strings are cut to these. */
export interface JUnitLimits {
  maxCases: number;
  maxMessageChars: number;
  maxOutputChars: number;
}

export const DEFAULT_JUNIT_LIMITS: JUnitLimits = { maxCases: 20_000, maxMessageChars: 2_000, maxOutputChars: 8_000 };

export class JUnitReportError extends Error {
  override readonly name = 'JUnitReportError';
  readonly code = 'INVALID_REPORT';
}

type Element = Record<string, unknown>;

const REPEATED = new Set([
  'testsuite',
  'testcase',
  'failure',
  'error',
  'skipped',
  'flakyFailure',
  'flakyError',
  'rerunFailure',
  'rerunError',
  'system-out',
  'system-err',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // Also numeric character references (&#10; in pytest's messages, &#xA; in gotestsum's output).
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

export function parseJUnitReport(xml: string, limits: JUnitLimits = DEFAULT_JUNIT_LIMITS): TestCaseResult[] {
  // Entity declarations are how XML bombs work; no test runner writes them.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new JUnitReportError('a DOCTYPE or ENTITY declaration is not allowed');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new JUnitReportError(
      `not well-formed XML (line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg})`,
    );
  }
  const document = parser.parse(xml) as Element;
  const cases: TestCaseResult[] = [];
  const root = asElement(document.testsuites);
  const suites = root === undefined ? children(document, 'testsuite') : children(root, 'testsuite');
  if (root === undefined && suites.length === 0) {
    throw new JUnitReportError('no <testsuites> or <testsuite> element at the root');
  }
  const visit = (suite: Element, path: string[]) => {
    const name = attribute(suite, 'name') || path.at(-1) || '';
    const suitePath = name === '' ? path : [...path, name];
    for (const testCase of children(suite, 'testcase')) {
      if (cases.length >= limits.maxCases) {
        throw new JUnitReportError(`more than ${limits.maxCases} test cases`);
      }
      cases.push(readCase(testCase, suitePath.join(' › '), limits));
    }
    for (const nested of children(suite, 'testsuite')) visit(nested, suitePath);
  };
  for (const suite of suites) visit(suite, []);
  return cases;
}

function readCase(element: Element, suite: string, limits: JUnitLimits): TestCaseResult {
  const failure = children(element, 'failure')[0];
  const error = children(element, 'error')[0];
  const skipped = children(element, 'skipped')[0];
  const flaky = children(element, 'flakyFailure').length > 0 || children(element, 'flakyError').length > 0;
  let status: TestStatus = 'passed';
  let outcome: Element | undefined;
  if (failure !== undefined) [status, outcome] = ['failed', failure];
  else if (error !== undefined) [status, outcome] = ['error', error];
  else if (skipped !== undefined) [status, outcome] = ['skipped', skipped];
  const body = outcome === undefined ? '' : text(outcome);
  const message = outcome === undefined ? '' : attribute(outcome, 'message') || firstLine(body);
  const streams =
    status === 'failed' || status === 'error'
      ? [...children(element, 'system-out'), ...children(element, 'system-err')].map(text)
      : [];
  const output = [body, ...streams].filter((part) => part !== '').join('\n');
  return {
    suite,
    className: attribute(element, 'classname'),
    name: attribute(element, 'name') || '(unnamed)',
    status,
    durationMs: secondsToMs(attribute(element, 'time')),
    message: message === '' ? null : cut(message, limits.maxMessageChars),
    output: output === '' || status === 'skipped' ? null : cut(output, limits.maxOutputChars),
    flaky: flaky && status === 'passed',
  };
}

function asElement(value: unknown): Element | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Element) : undefined;
}

function children(element: Element, name: string): Element[] {
  const value = element[name];
  if (!Array.isArray(value)) return [];
  return value.map((child) => asElement(child) ?? {});
}

function attribute(element: Element, name: string): string {
  const value = element[`@${name}`];
  return typeof value === 'string' ? value.trim() : '';
}

function text(element: Element): string {
  const value = element['#text'];
  return typeof value === 'string' ? value.trim() : '';
}

function firstLine(body: string): string {
  return body.split('\n', 1)[0]?.trim() ?? '';
}

/** "0.004", "1,204.531" (Surefire's grouping), "" → null. */
function secondsToMs(time: string): number | null {
  if (time === '') return null;
  const seconds = Number(time.replace(/,/g, ''));
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
}

function cut(value: string, maxChars: number): string {
  return value.length <= maxChars ? value : `${value.slice(0, maxChars)}… (cut at ${maxChars} characters)`;
}
