import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const approve = {
  id: 42,
  at: '2024-05-01T12:03:04.567Z',
  actor: 'paul',
  action: 'approve',
  runId: 'r7',
  sourceAddress: '10.0.0.5',
  details: { stage: 'production', comment: 'ship it', sha: '0123abc', artifacts: [] },
};
const tokenCreate = {
  id: 7,
  at: '2024-04-30T08:00:00.000Z',
  actor: 'admin',
  action: 'token.create',
  runId: null,
  sourceAddress: '127.0.0.1',
  details: { name: 'paul', roles: ['approve'] },
};

const env = (url: string) => ({ GANTRY_URL: url, GANTRY_TOKEN: 't0ken' });

describe('gantry audit', () => {
  it('prints the events as a table, details as key=value, and asks for the filters it was given', async () => {
    api = await startFakeApi({
      'GET /api/audit?runId=r7&actor=paul&action=approve&limit=2': { json: { events: [approve], next: null } },
      'GET /api/audit': { json: { events: [approve, tokenCreate], next: null } },
    });
    const filtered = captureIo(env(api.url));
    const args = ['audit', '--run', 'r7', '--actor', 'paul', '--action', 'approve', '--limit', '2'];
    expect(await runControllerCli(args, filtered.io)).toBe(0);
    expect(filtered.stdout()).toBe(
      [
        'ID  WHEN                  ACTOR  ACTION   RUN  DETAILS',
        '42  2024-05-01 12:03:04Z  paul   approve  r7   stage=production comment=ship it sha=0123abc artifacts=[]',
        '',
      ].join('\n'),
    );
    expect(filtered.stderr()).toBe('');

    const all = captureIo(env(api.url));
    expect(await runControllerCli(['audit'], all.io)).toBe(0);
    expect(all.stdout()).toContain('7   2024-04-30 08:00:00Z  admin  token.create  -    name=paul roles=["approve"]\n');
  });

  it('says how to get the next page, with the same filters, and asks for it with --before', async () => {
    api = await startFakeApi({
      'GET /api/audit?actor=o%27brien&limit=1': { json: { events: [approve], next: 42 } },
      'GET /api/audit?actor=o%27brien&limit=1&before=42': { json: { events: [tokenCreate], next: null } },
    });
    const first = captureIo(env(api.url));
    expect(await runControllerCli(['audit', '--actor', "o'brien", '--limit', '1'], first.io)).toBe(0);
    expect(first.stderr()).toBe(`older events: gantry audit --actor 'o'\\''brien' --limit 1 --before 42\n`);

    const second = captureIo(env(api.url));
    const args = ['audit', '--actor', "o'brien", '--limit', '1', '--before', '42', '--json'];
    expect(await runControllerCli(args, second.io)).toBe(0);
    expect(JSON.parse(second.stdout())).toEqual({ events: [tokenCreate], next: null });
    expect(second.stderr()).toBe('');
  });

  it('shows control characters in what others wrote as escapes, never as terminal commands', async () => {
    const sneaky = { ...approve, details: { comment: 'ok\u001b]52;c;ZXZpbA==\u0007\nfake line\u009b2J' } };
    api = await startFakeApi({ 'GET /api/audit': { json: { events: [sneaky], next: null } } });
    const { io, stdout } = captureIo(env(api.url));
    expect(await runControllerCli(['audit'], io)).toBe(0);
    expect(stdout()).toContain('comment=ok\\u001b]52;c;ZXZpbA==\\u0007\\u000afake line\\u009b2J\n');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character but the line ends may reach stdout
    expect(stdout()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(stdout().split('\n')).toHaveLength(3);
  });

  it('shows bidirectional overrides as escapes, so a comment reads as what it holds', async () => {
    const reversed = { ...approve, details: { comment: 'ok \u202eevil\u202c \u2067x\u2069 \u05e9\u05dc\u05d5\u05dd' } };
    api = await startFakeApi({ 'GET /api/audit': { json: { events: [reversed], next: null } } });
    const { io, stdout } = captureIo(env(api.url));
    expect(await runControllerCli(['audit'], io)).toBe(0);
    // Right-to-left text itself is left alone.
    expect(stdout()).toContain('comment=ok \\u202eevil\\u202c \\u2067x\\u2069 \u05e9\u05dc\u05d5\u05dd\n');
  });

  it('says so when nothing matches, and when a page is past the oldest event', async () => {
    api = await startFakeApi({
      'GET /api/audit?action=reject': { json: { events: [], next: null } },
      'GET /api/audit?before=3': { json: { events: [], next: null } },
    });
    const none = captureIo(env(api.url));
    expect(await runControllerCli(['audit', '--action', 'reject'], none.io)).toBe(0);
    expect(none.stdout()).toBe('no audit events\n');
    const past = captureIo(env(api.url));
    expect(await runControllerCli(['audit', '--before', '3'], past.io)).toBe(0);
    expect(past.stdout()).toBe('no audit events older than 3\n');
  });

  it.each([
    [['--action', 'deploy'], 'Invalid values'],
    [['--before', 'r7'], '--before must be an event id, got "r7"'],
    [['--before', '0'], '--before must be an event id, got "0"'],
    [['--before', '9007199254740992'], '--before must be an event id, got "9007199254740992"'],
    [['--limit', '0'], '--limit must be a positive integer, got "0"'],
  ])('refuses %j with the usage, exit 2', async (flags, message) => {
    const { io, stderr } = captureIo({ GANTRY_URL: 'http://127.0.0.1:9', GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['audit', ...flags], io)).toBe(2);
    expect(stderr()).toContain(message);
  });

  it('gives a value that starts with a dash to the next page as --flag=value, with the --url given', async () => {
    api = await startFakeApi({ 'GET /api/audit?actor=-x&limit=1': { json: { events: [approve], next: 42 } } });
    const { io, stderr } = captureIo({ GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['audit', '--actor=-x', '--limit', '1', '--url', api.url], io)).toBe(0);
    expect(stderr()).toBe(`older events: gantry audit --actor=-x --limit 1 --url ${api.url} --before 42\n`);
  });

  it('passes on the refusal of a controller from before paging, and escapes what the API quotes', async () => {
    api = await startFakeApi({
      'GET /api/audit?before=9007199254740991': {
        status: 400,
        json: {
          error: {
            code: 'invalid_input',
            message: 'invalid query',
            issues: [{ path: ['before'], message: 'Unrecognized key: "before"\u001b[2J' }],
          },
        },
      },
    });
    const { io, stdout, stderr } = captureIo(env(api.url));
    expect(await runControllerCli(['audit', '--before', '9007199254740991'], io)).toBe(1);
    expect(stdout()).toBe('');
    expect(stderr()).toBe('error: invalid query (HTTP 400)\n  - before: Unrecognized key: "before"\\u001b[2J\n');
  });

  it('passes on the API refusing a token without the read role, exit 1', async () => {
    api = await startFakeApi({
      'GET /api/audit': {
        status: 403,
        json: { error: { code: 'forbidden', message: 'this needs the "read" role; paul has approve' } },
      },
    });
    const { io, stderr } = captureIo(env(api.url));
    expect(await runControllerCli(['audit'], io)).toBe(1);
    expect(stderr()).toBe('error: this needs the "read" role; paul has approve (HTTP 403)\n');
  });
});
