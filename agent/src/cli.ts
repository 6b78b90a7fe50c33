/**
 * `gantry agent …`: parses the configuration, starts the agent and turns
 * signals into shutdown. First SIGTERM/SIGINT drains (exit 0 once running jobs
 * have finished); a second one kills the jobs (exit 1). Bad configuration
 * exits 2; a refused registration or a lost NATS connection exits 1.
 */
import { redactError, redactedLogPaths, redactionCensor } from '@gantry/common';
import { destination, pino, stdSerializers } from 'pino';
import { parseAgentArguments } from './cli-arguments.js';
import { type AgentConfig, resolveAgentConfig } from './config.js';
import { type AgentHandle, startAgent } from './main.js';

/**
 * The agent's logger: tokens and failed-query values never reach it (see
 * @gantry/common log-redaction). Each line is written to stdout at once, by
 * the main thread: pino's default hands every line to libuv's thread pool,
 * which costs a worker's wake-up and the main thread's for each (a no-op job
 * logs two lines at info), and loses what is still queued if the process dies.
 */
export function createAgentLogger(config: Pick<AgentConfig, 'logLevel' | 'name'>) {
  const redactErr = (error: unknown) => redactError(error, stdSerializers.err);
  return pino(
    {
      level: config.logLevel,
      base: { service: 'gantry-agent', agent: config.name, pid: process.pid },
      redact: { paths: redactedLogPaths, censor: redactionCensor },
      serializers: { err: redactErr, error: redactErr },
    },
    destination({ dest: 1, sync: true }),
  );
}

/** Runs the agent until it is shut down; resolves with the process exit code. */
export async function runAgentCli(argv: string[]): Promise<number> {
  const parsed = await parseAgentArguments(argv);
  if (parsed.kind === 'output') {
    process.stdout.write(`${parsed.text}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`gantry agent: ${parsed.message}\nRun "gantry agent --help" for usage.\n`);
    return 2;
  }
  const loaded = resolveAgentConfig(parsed.flags, process.env);
  if (!loaded.ok) {
    const problems = loaded.problems.map((p) => `  ${p}`).join('\n');
    process.stderr.write(`gantry agent: invalid configuration\n${problems}\nRun "gantry agent --help" for usage.\n`);
    return 2;
  }
  for (const warning of loaded.warnings) process.stderr.write(`gantry agent: warning: ${warning}\n`);
  const logger = createAgentLogger(loaded.config);
  const startup = new AbortController();
  let handle: AgentHandle | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.info({ signal }, 'signal received, draining');
      startup.abort(new Error(`stopped by ${signal} during start-up`));
      void handle?.drain();
    } else {
      logger.warn({ signal }, 'second signal, killing jobs');
      void handle?.stop();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    handle = await startAgent(loaded.config, logger, { signal: startup.signal });
    if (signals > 0) void (signals > 1 ? handle.stop() : handle.drain());
    const fatal = await handle.closed;
    return fatal || signals > 1 ? 1 : 0;
  } catch (error) {
    if (startup.signal.aborted) return signals > 1 ? 1 : 0;
    const message = (error as Error).message;
    logger.fatal({ err: message, code: (error as { code?: string }).code }, 'agent failed to start');
    process.stderr.write(`gantry agent: ${message}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
