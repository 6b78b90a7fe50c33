/**
 * The command line that starts one step. Every step runs as
 * `bash -eo pipefail -c STEP` with stderr joined to stdout at the fd level
 * (one pipe, exact interleaving), in a process group of its own that the agent
 * signals as a whole (SIGTERM, grace, SIGKILL).
 *
 * Guarded (Linux: util-linux `setpriv`, coreutils `env --default-signal`): the
 * group leader is a tiny bash wrapper started with a parent-death signal armed
 * (`setpriv --pdeathsig`), so when the agent dies — even by SIGKILL — the
 * wrapper is told and SIGKILLs its whole process group: no step outlives its
 * agent to run next to the retried attempt. The wrapper waits for the step and
 * exits with its status (a signal death reads 128+N, as before).
 * - It ignores SIGTERM once the step runs: the agent's SIGTERM to the group is
 *   for the step, and the wrapper must stay to report the step's own exit code.
 * - The parent-death signal is a real-time one (RTMIN+3) that no step sends to
 *   its group by accident, so the wrapper's `wait` is never interrupted in
 *   normal operation.
 * - The kernel sends it when the *thread* that forked the wrapper exits (and
 *   again at each hand-over to another thread of the dying process): Node
 *   forks from its main thread, so the wrapper acts when it has been
 *   re-parented, or when the agent's main thread is exiting (PF_EXITING, 0x4,
 *   in /proc/<agent>/stat — set before the kernel sends the signal) or is gone.
 *   A stray signal while the agent lives changes nothing. A wrapper that
 *   starts after the agent already died (the signal was armed too late) runs
 *   nothing.
 * - Bash starts background commands with SIGINT/SIGQUIT ignored; `env
 *   --default-signal` gives the step the dispositions it would have had.
 *
 * Unguarded (no setpriv): the step shell itself leads the group, as before.
 */
import { spawnSync } from 'node:child_process';

export interface StepCommand {
  file: string;
  args: string[];
}

const parentDeathSignal = 'RTMIN+3';

// $1 = step command, $2 = the agent's pid.
const wrapperScript = `agent=$2
on_agent_gone() {
  interrupted=1
  local stat=
  read -r stat < /proc/$$/stat
  set -- \${stat##*) }
  [ "$2" = "$agent" ] || kill -KILL 0
  stat=
  read -r stat 2>/dev/null < /proc/$agent/stat
  set -- \${stat##*) }
  case $1 in Z | X | '') kill -KILL 0 ;; esac
  (( \${7:-4} & 4 )) && kill -KILL 0
}
trap on_agent_gone ${parentDeathSignal}
[ "$PPID" = "$agent" ] || exit 125
env --default-signal=INT,QUIT bash -eo pipefail -c "$1" 2>&1 &
step=$!
trap '' TERM
while :; do
  interrupted=
  wait "$step"
  rc=$?
  [ -n "$interrupted" ] || exit "$rc"
done`;

/** The program and arguments that run `command` as a step. */
export function stepCommand(command: string, guarded: boolean): StepCommand {
  if (!guarded) {
    // The outer shell only joins stderr to stdout and execs the step shell, which keeps its pid and group.
    return { file: 'bash', args: ['-c', 'exec bash -eo pipefail -c "$1" 2>&1', 'gantry-step', command] };
  }
  return {
    file: 'setpriv',
    args: ['--pdeathsig', parentDeathSignal, 'bash', '-c', wrapperScript, 'gantry-step', command, String(process.pid)],
  };
}

let guardAvailable: boolean | undefined;

/**
 * Whether steps can be tied to the agent's life on this host (setpriv with
 * --pdeathsig, env with --default-signal, /proc). Checked once per process.
 */
export function parentDeathGuardAvailable(): boolean {
  guardAvailable ??=
    process.platform === 'linux' &&
    spawnSync(
      'setpriv',
      ['--pdeathsig', parentDeathSignal, 'env', '--default-signal=INT,QUIT', 'test', '-r', '/proc/self/stat'],
      { stdio: 'ignore' },
    ).status === 0;
  return guardAvailable;
}
