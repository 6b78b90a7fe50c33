/**
 * Job shells kept between attempts, so that an attempt does not fork the
 * agent (a fork of a process the agent's size costs ~10 ms of CPU on both
 * sides, several times what a no-op job costs otherwise). A pooled shell
 * holds no attempt's variables or directory (each step's process sets its
 * own, see step-command.ts; the shell exports only the pool's `environment`,
 * which every attempt it serves has as well) and gives each attempt an output channel of its
 * own; it serves `channelsPerShell` attempts, then a fresh one is started. A
 * shell that was told to stop a step, died, or could not start is never
 * handed out again. A pool kept warm (prewarm) starts the successor of a
 * shell it retired when told to (replenish), between attempts, not when the
 * next attempt needs one: the fork is not on that attempt's way to its step.
 */
import { exportable } from './exportable-variables.js';
import { SlotShell } from './slot-shell.js';
import { parentDeathGuardAvailable } from './step-command.js';

export interface ShellPoolOptions {
  /** Where setpriv and bash are looked up (the agent's PATH); steps get their attempt's PATH. */
  searchPath: string;
  /** --run-as: shells (and so steps) run as this user. */
  user?: { uid: number; gid: number };
  /** Default: whenever the host supports it (see step-command.ts). */
  dieWithAgent?: boolean;
  /**
   * Attempts one shell serves before it is replaced. Starting a shell forks
   * the agent (the fork, then a copy-on-write fault for each page of its heap
   * the agent writes afterwards) and ending one looks through /proc: several
   * milliseconds of the agent's CPU on a small virtual machine, shared by the
   * attempts served. But each step closes the channels not used yet, 15-30 µs
   * each in bash there. Default 32, between the two.
   */
  channelsPerShell?: number;
  /**
   * Variables every pooled shell exports to its steps (see poolEnvironment()):
   * an attempt with the same values need not export them again in each step,
   * where bash would reload the locale or time zone for each. An attempt that
   * lacks one of them gets a shell of its own (JobShell).
   */
  environment?: Readonly<Record<string, string>>;
}

/** Locale and time zone variables (LANG, LC_* but LC_ALL, TZ) of `env`: what a pool's shells may export themselves. */
export function poolEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // LC_ALL is the pooled shell's own (C, unexported): an attempt exports it itself.
    const wanted = name === 'LANG' || name === 'TZ' || (name.startsWith('LC_') && name !== 'LC_ALL');
    if (wanted && value !== undefined && exportable(name) && !value.includes('\0')) kept[name] = value;
  }
  return kept;
}

export class ShellPool {
  readonly #options: ShellPoolOptions;
  #idle: SlotShell[] = [];
  /** Shells handed out and not yet given back or retired. */
  #inUse = 0;
  /** How many shells prewarm() asked for: retired ones are replaced up to that. */
  #warm = 0;
  #closed = false;

  constructor(options: ShellPoolOptions) {
    this.#options = options;
  }

  /** What every shell of this pool exports to its steps besides an attempt's own variables. */
  get environment(): Readonly<Record<string, string>> {
    return this.#options.environment ?? {};
  }

  /** Idle shells, ready to serve an attempt. */
  get idleShells(): number {
    return this.#idle.length;
  }

  /**
   * An idle shell able to serve an attempt, or a new one. Throws as
   * SlotShell's constructor does. Preferred: of the shells told to start
   * their next first step's process, the one told first (the process most
   * likely up: the shell just released may be starting it as the next
   * attempt comes).
   */
  acquire(): SlotShell {
    const usable = [];
    for (const idle of this.#idle) {
      if (idle.reusable) usable.push(idle);
      else idle.end();
    }
    this.#idle = usable;
    const ready = this.#oldestAhead();
    const shell = (ready >= 0 ? this.#idle.splice(ready, 1)[0] : this.#idle.pop()) ?? this.#start();
    shell.setIdle(false);
    this.#inUse++;
    return shell;
  }

  /** The index of the idle shell told first to start its next first step's process; -1 when none was. */
  #oldestAhead(): number {
    let oldest = -1;
    for (const [index, shell] of this.#idle.entries()) {
      if (shell.readyAhead && (oldest < 0 || shell.aheadOrder < (this.#idle[oldest] as SlotShell).aheadOrder))
        oldest = index;
    }
    return oldest;
  }

  #start(): SlotShell {
    const { searchPath, user, dieWithAgent = parentDeathGuardAvailable(), channelsPerShell = 32 } = this.#options;
    return new SlotShell({
      env: { ...this.environment, ...(searchPath === '' ? {} : { PATH: searchPath }) },
      cwd: '/',
      ...(user ? { user } : {}),
      dieWithAgent,
      channels: Math.max(1, channelsPerShell),
      pooled: true,
    });
  }

  /** Takes a shell back after its attempt detached; retires it if it cannot serve another. */
  release(shell: SlotShell): void {
    if (this.#closed || !shell.reusable) {
      this.retire(shell);
      return;
    }
    this.#inUse--;
    shell.setIdle(true);
    this.#idle.push(shell);
  }

  /**
   * Ends a shell handed out that must serve no other attempt (used up,
   * stopped, dead). A pool kept warm starts its successor at replenish().
   */
  retire(shell: SlotShell): void {
    this.#inUse--;
    shell.end();
  }

  /**
   * Starts the successors of the shells retired since, up to the count
   * prewarm() asked for. The agent calls it once an attempt is reported
   * finished: the fork then delays neither that report nor the next attempt.
   */
  replenish(): void {
    while (!this.#closed && this.#idle.length + this.#inUse < this.#warm) {
      try {
        this.#keepIdle(this.#start());
      } catch {
        return; // refused before a process existed: the next acquire() tries again and reports it
      }
    }
  }

  /** Has each idle shell start its next attempt's first step's process (SlotShell.startAhead), if it has none. */
  startAhead(): void {
    for (const shell of this.#idle) shell.startAhead();
  }

  /** Starts shells until `count` are idle, ahead of the first attempts (fan-out of a stage: no fork then); keeps as many from then on. */
  prewarm(count: number): void {
    this.#warm = Math.max(this.#warm, count);
    for (let started = this.#idle.length; started < count && !this.#closed; started++) this.#keepIdle(this.#start());
  }

  #keepIdle(shell: SlotShell): void {
    shell.setIdle(true);
    this.#idle.unshift(shell);
  }

  /** Ends the idle shells; shells released later are ended too. */
  close(): void {
    this.#closed = true;
    for (const shell of this.#idle.splice(0)) shell.end();
  }
}
