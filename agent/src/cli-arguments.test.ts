import { describe, expect, it } from 'vitest';
import { agentVersion, parseAgentArguments } from './cli-arguments.js';
import { agentVariables } from './config-variables.js';

describe('parseAgentArguments', () => {
  it('reads flags as --flag value and --flag=value, joining a repeated flag with commas', async () => {
    const parsed = await parseAgentArguments([
      '--controller',
      'a:7070',
      '--controller=b:7070',
      '--slots',
      '4',
      '--token-file',
      '/etc/gantry/token',
    ]);
    expect(parsed.kind === 'run' && parsed.flags).toMatchObject({
      controller: 'a:7070,b:7070',
      slots: '4',
      'token-file': '/etc/gantry/token',
      queue: undefined,
    });
  });

  it.each([
    [['--slot', '2'], 'Unknown argument: slot'],
    [['extra'], 'Unknown argument: extra'],
    [['--slots'], '--slots needs a value'],
    [['--slots', '--queue', 'x'], '--slots needs a value'],
  ])('refuses %j: %s', async (argv, message) => {
    const parsed = await parseAgentArguments(argv);
    expect(parsed.kind === 'error' && parsed.message).toBe(message);
    expect(parsed.kind === 'error' && parsed.help).toContain('gantry agent --controller HOST:PORT');
  });

  it('answers --help with every flag and every variable, and --version with the version', async () => {
    for (const argv of [['--help'], ['-h']]) {
      const parsed = await parseAgentArguments(argv);
      if (parsed.kind !== 'output') throw new Error(`--help gave ${parsed.kind}`);
      for (const [variable, declaration] of Object.entries(agentVariables)) {
        expect(parsed.text).toContain(variable);
        if ('flag' in declaration) expect(parsed.text).toMatch(new RegExp(`--${declaration.flag}\\s`));
      }
      expect(parsed.text).toContain('--token-file');
    }
    expect(await parseAgentArguments(['--version'])).toEqual({ kind: 'output', text: agentVersion() });
  });
});
