/**
 * The command line of an attempt's job shell: one long-lived bash per attempt
 * that runs the steps one by one when the agent tells it (see job-shell.ts),
 * so a step costs one fork of a small bash and one exec, not a fork of the
 * agent and a chain of wrappers.
 *
 * A job shell can serve several attempts one after another (a pooled shell,
 * see shell-pool.ts): each attempt writes to an output channel of its own (one
 * of the pipes the shell was started with, fd 4 and up), so nothing an
 * attempt leaves behind can write into the next attempt's log, and the
 * attempt's variables and working directory are set in each step's process
 * only, never in the shell (the shell itself exports only its pool's locale
 * and time zone, which an attempt it serves has too, see shell-pool.ts).
 *
 * Protocol, on the shell's fd 3: records `attempt`, `step`, `detach`, `ahead`,
 * each a NUL-terminated kind. `attempt` and `step` carry fields, framed so that
 * bash reads them in bulk (`read -N`; a delimited read takes one system call
 * per byte, thousands for an attempt's environment): the byte length of the
 * frame, NUL-terminated, then the frame: the fields' byte lengths separated
 * by spaces, a newline, and the fields one after the other (no field holds a
 * NUL byte). `attempt`'s fields: the channel's fd, the step-end marker
 * (random per attempt, never in the environment or on a command line), the
 * working directory and the variables to export, as bash words (see
 * exportWords: one field, which neither the shell nor a step's process
 * takes apart field by field, at about 25 us a field in bash); `step`'s: its
 * command, and `1` when another step of the attempt may follow (else empty;
 * a pooled shell then starts that step's process ahead, see below). `detach`
 * (the shell closes the attempt's channel) comes before the next attempt;
 * `ahead` (no fields) asks a pooled shell between attempts to start the next
 * attempt's first step's process; EOF ends the shell. On the channel, shared
 * with the steps: after each step,
 * `<marker><exit status> <step pgid> <left>\n`, where left = 1 when processes
 * outlived the step's shell in its group (the shell has sent them SIGTERM,
 * unless a stop did already).
 * The shell's stdin is /dev/null, not the command channel: Node's pipes are
 * socketpairs, and Debian's bash sources ~/.bashrc when its stdin is a socket
 * (it takes itself for a shell started by sshd).
 *
 * Each step runs as `bash -eo pipefail -c STEP` with stdin from /dev/null,
 * stdout the attempt's channel and stderr joined to it at the fd level (exact
 * interleaving), no other descriptor of the shell, as a job of its
 * own (`set -m`): its own process group, which the agent signals as a whole,
 * and SIGINT/SIGQUIT not ignored (an asynchronous job without job control
 * would ignore them). The shell's traps are reset in the step, so the step
 * starts with default dispositions. A step's `cd` or variables end with it.
 * A stopped step is not taken for a finished one (`wait -f` would do that,
 * but bash 5.2 can spin forever in it when the step dies of SIGINT); a signal
 * death reads 128+N, and a status bash lost (see the loop) reads as the stop's:
 * 137 after SIGUSR1, 143 after SIGTERM, else 255.
 *
 * In a pooled shell a step's process is started ahead: when the shell
 * starts, on `ahead` between attempts (for the next attempt's first step; a
 * shell of its own ignores it), and after a step that announced another. It
 * is a `bash -c` in a process group of its own that waits on a pipe from the
 * shell; the shell hands it the step (channel, directory, command, variables)
 * and waits on it as on any step. It sets itself up as above, then runs the
 * step with `-eo pipefail` and `eval`, with `$0`, `$#`, `$-`, `$_`,
 * `$BASH_EXECUTION_STRING`, `$SHLVL`, line numbers and descriptors as `bash
 * -eo pipefail -c STEP` has them; only a syntax error in the step reads
 * `bash: eval: line N:` instead of `bash: -c: line N:`. The step's way then
 * holds no fork of the shell, exec of bash or start-up of bash; but bash
 * forks a step's last command, which `-c` would have exec'd. A process left
 * unused (its attempt ended early) is killed at the detach; when one cannot
 * take its step (killed from outside), the step is forked as above.
 *
 * Stopping: SIGTERM to the shell forwards SIGTERM to the running step's group,
 * SIGUSR1 sends it SIGKILL; both are sticky (a stop ends the attempt): a step
 * the agent sent meanwhile is not started and reads 143 or 137. Between steps
 * (no step running) either signal ends the shell at once with 143 or 137
 * rather than leaving it blocked on its next command: bash does not interrupt
 * a `read` for a trapped signal, it runs the trap and reads on.
 *
 * Guarded (Linux: util-linux `setpriv`): the shell is started with a
 * parent-death signal armed (`setpriv --pdeathsig`), so when the agent dies —
 * even by SIGKILL — the shell is told and SIGKILLs the running step's group
 * and itself: no step outlives its agent to run next to the retried attempt.
 * - The parent-death signal is a real-time one (RTMIN+3) that no step sends to
 *   the shell by accident, so a `wait` is never interrupted in normal operation.
 * - The kernel sends it when the *thread* that forked the shell exits (and
 *   again at each hand-over to another thread of the dying process): Node
 *   forks from its main thread, so the shell acts when it has been
 *   re-parented, or when the agent's main thread is exiting (PF_EXITING, 0x4,
 *   in /proc/<agent>/stat — set before the kernel sends the signal) or is gone.
 *   A stray signal while the agent lives changes nothing. A shell that starts
 *   after the agent already died (the signal was armed too late) runs nothing.
 *
 * Unguarded (no setpriv): the same shell without the parent-death trap.
 */
import { spawnSync } from 'node:child_process';

export interface StepCommand {
  file: string;
  args: string[];
}

const parentDeathSignal = 'RTMIN+3';

/**
 * The job shell's own global variables. A job variable of the same name
 * (`env: { cmd: ... }`) must neither change what the shell does nor see the
 * shell's value (the step-end marker among them): each step's process unsets
 * them all before it exports the attempt's variables, and a shell of its own,
 * started with the attempt's environment, is given those of its variables
 * that bear one of these names to export again (JobShell).
 */
export const jobShellVariables: readonly string[] = [
  'step',
  'starting',
  'term',
  'termed',
  'killed',
  'interrupted',
  'out',
  'mark',
  'dir',
  'cmd',
  'channels',
  'exports',
  'fields',
  'c_locale',
  'pg',
  'left',
  'rc',
  'kind',
  'fd',
  'agent',
  'more',
  'ready',
  'ready_in',
  'ready_out',
  'next_out',
  'ahead',
  'ahead_PID',
];

// Runs in the job shell; $1 = how many output channels it has (fd 4 and up), $2 = the agent's pid when guarded.
const stepLoop = `# A stop between steps ends the shell; one while a step is being started (forked, its pid not yet
# known) is forwarded by the loop as soon as it is.
on_term() {
  interrupted=1
  term=1
  [ -n "$step" ] || [ -n "$starting" ] || exit 143
  [ -n "$step" ] || return 0
  [ -n "$termed" ] || { termed=1; kill -TERM -- "-$step"; }
}
on_kill() {
  interrupted=1
  killed=1
  [ -n "$step" ] || [ -n "$starting" ] || exit 137
  [ -z "$step" ] || kill -KILL -- "-$step"
}
trap on_term TERM
trap on_kill USR1
# The step's own process: the attempt's channel as stdout and stderr, no other
# descriptor of the shell, the attempt's directory and variables.
# Its stderr joins stdout only at the exec: the shell's own doings never reach the log.
# The command and the variables to export go to the positional parameters, out of
# reach of the variables exported (a job's \`cmd\` is its own, not the step's command).
run_step() {
  exec >&"$out" 3<&- </dev/null
  # Channels are used in order and closed at detach: those before this attempt's are closed already.
  for ((fd = out; fd < 4 + channels; fd++)); do exec {fd}>&-; done
  cd -- "$dir" || { printf 'cannot enter the working directory %s\\n' "$dir"; exit 1; }
  unset OLDPWD
  eval "set -- \\"\\$cmd\\" $exports"
  unset ${jobShellVariables.join(' ')}
  [ "$#" -eq 1 ] || export -- "\${@:2}"
  exec bash -eo pipefail -c "$1" 2>&1
}
# A record's fields (see the protocol) into the array fields; bytes, not characters, whatever the locale
# (switching to the C locale only when the shell's is another: setlocale costs a step's worth of time).
read_fields() {
  if [ -n "$c_locale" ]; then read_frame; else
    local LC_ALL=C
    read_frame
  fi
}
read_frame() {
  local frame= lengths= length offset=0 bytes
  fields=()
  IFS= read -r -d '' -u 3 bytes || return 1
  case $bytes in '' | *[!0-9]* | ??????????*) return 1 ;; esac
  IFS= read -r -N "$bytes" -u 3 frame && [ "\${#frame}" -eq "$bytes" ] || return 1
  lengths=\${frame%%$'\n'*}
  frame=\${frame#*$'\n'}
  for length in $lengths; do
    fields+=("\${frame:offset:length}")
    offset=$((offset + length))
  done
  [ "$offset" -eq "\${#frame}" ]
}
while IFS= read -r -d '' -u 3 kind; do
  case $kind in
  attempt)
    read_fields && [ "\${#fields[@]}" -eq 4 ] || exit 125
    out=\${fields[0]} mark=\${fields[1]} dir=\${fields[2]} exports=\${fields[3]} next_out=$((out + 1))
    # The agent never serves an attempt on a shell it told to stop: a stop noted
    # now came from a step of an earlier attempt signalling its shell, and must not
    # fail this one.
    term= termed= killed= interrupted=
    continue ;;
  detach) exec {out}>&-; out= mark=; after_detach; continue ;;
  ahead) after_idle; continue ;;
  step) read_fields && [ "\${#fields[@]}" -eq 2 ] || exit 125; cmd=\${fields[0]} more=\${fields[1]} ;;
  *) exit 125 ;;
  esac
  [ -n "$out" ] || exit 125
  pg=0 left=0
  if [ -n "$killed" ]; then rc=137
  elif [ -n "$term" ]; then rc=143
  else
    starting=1
    if [ -n "$ready" ] && hand_over; then
      step=$ready ready=
    else
      run_step &
      step=$!
    fi
    pg=$step termed= starting=
    [ -z "$term" ] || { termed=1; kill -TERM -- "-$step"; }
    [ -z "$killed" ] || kill -KILL -- "-$step"
    while :; do
      interrupted=
      wait "$step"
      rc=$?
      [ -z "$interrupted" ] || continue
      kill -0 "$step" || break
      # Stopped, not finished (with job control, wait returns then too): wait on.
      sleep 0.05
    done
    # A wait interrupted by a stop's trap after the step had died, killed from outside as well,
    # loses its status: bash 5.2 answers the next wait with -1. The stop is what killed it.
    if [ "$rc" -lt 0 ] || [ "$rc" -gt 255 ]; then
      if [ -n "$killed" ]; then rc=137; elif [ -n "$term" ]; then rc=143; else rc=255; fi
    fi
    step=
    # Left behind in the step's group: SIGTERM now (unless a stop sent it already); the agent does the rest.
    if [ -z "$termed" ] && [ -z "$killed" ]; then kill -TERM -- "-$pg" && left=1
    else kill -0 -- "-$pg" && left=1
    fi
  fi
  printf '%s%d %d %d\\n' "$mark" "$rc" "$pg" "$left" >&"$out"
  [ -z "$more" ] || after_step
done`;

// umask 022: steps create files as a login shell would, whatever umask the
// agent inherited (\`gantry up\` runs with 077 to keep its data directory private).
const prelude = `set -m
umask 022
exec 2>/dev/null
step= starting= term= termed= killed= interrupted= out= mark= dir= cmd= pg=0 left=0 rc= kind= more= ready= ready_in=
ready_out= next_out=4 channels=$1 exports= fields=()
# What the agent was given without close-on-exec by whatever started it, and so passed on, stops here:
# a step gets its standard descriptors only. (Node dup2()s fd 3 and the channels over anything inherited there.)
for fd in /proc/$$/fd/*; do
  fd=\${fd##*/}
  case $fd in '' | *[!0-9]*) ;; *) [ "$fd" -le $((3 + channels)) ] || exec {fd}>&- ;; esac
done
case \${LC_ALL:-\${LC_CTYPE:-$LANG}} in '' | C | POSIX) c_locale=1 ;; *) c_locale= ;; esac`;

const guard = `agent=$2
on_agent_gone() {
  interrupted=1
  local stat=
  read -r stat < /proc/$$/stat
  set -- \${stat##*) }
  [ "$2" = "$agent" ] || kill_all
  stat=
  read -r stat 2>/dev/null < /proc/$agent/stat
  set -- \${stat##*) }
  case $1 in Z | X | '') kill_all ;; esac
  (( \${7:-4} & 4 )) && kill_all
}
# The running step's group, whatever else is in the shell's session (the last step's
# leftovers within their grace, what a step put in a group of its own), then the shell.
# (Not the last step's group by its id: once empty, that id may be another's.)
kill_all() {
  [ -z "$step" ] || kill -KILL -- "-$step"
  local stat path member
  for path in /proc/[0-9]*/stat; do
    read -r stat 2>/dev/null < "$path" || continue
    set -- \${stat##*) }
    member=\${path#/proc/} member=\${member%/stat}
    [ "$4" != "$$" ] || [ "$member" = "$$" ] || kill -KILL "$member"
  done
  kill -KILL 0
}
trap on_agent_gone ${parentDeathSignal}
[ "$PPID" = "$agent" ] || exit 125`;

// What a step's process started ahead runs (pooled shells, see `ahead`): `bash -c SCRIPT bash FD`, FD the
// channel its step will have (the shell hands it over only then). It starts in the locale the shell exports
// (which every attempt the shell serves has), so that only switching back from C, in which it reads the
// frame in bytes, is left for the step's way; so is every descriptor but the standard ones and FD, closed
// before it waits. All on one line: bash numbers the lines of an eval'd string after the eval's own line, and
// the step's are to read as its own (line 1 up).
const readyScript = [
  `keep=$1 LC_ALL=C`,
  // The pipe it is handed the step on is its stdin; the shell's other channels go.
  `for fd in /proc/$$/fd/*; do fd=\${fd##*/}; case $fd in '' | *[!0-9]*) ;; *) [ "$fd" -le 2 ] || [ "$fd" = "$keep" ] || exec {fd}>&- ;; esac; done`,
  `IFS= read -r -d '' bytes || exit 0`,
  `case $bytes in '' | *[!0-9]* | ??????????*) exit 125 ;; esac`,
  `IFS= read -r -N "$bytes" frame && [ "\${#frame}" -eq "$bytes" ] || exit 125`,
  `lengths=\${frame%%$'\\n'*} frame=\${frame#*$'\\n'} offset=0 fields=()`,
  `for length in $lengths; do fields+=("\${frame:offset:length}"); offset=$((offset + length)); done`,
  `[ "$offset" -eq "\${#frame}" ] && [ "\${#fields[@]}" -eq 4 ] && [ "\${fields[0]}" = "$keep" ] || exit 125`,
  `exec </dev/null >&"$keep" {keep}>&-`,
  `cd -- "\${fields[1]}" || { printf 'cannot enter the working directory %s\\n' "\${fields[1]}"; exit 1; }`,
  // As in \`bash -c STEP\`: the string is the step, OLDPWD an exported variable without a value.
  `BASH_EXECUTION_STRING=\${fields[2]}`,
  `set -- "\${fields[3]}"`,
  `unset OLDPWD bytes frame lengths offset fields length fd keep LC_ALL`,
  `declare -x OLDPWD`,
  `[ -z "$1" ] || eval "export -- $1"`,
  `set --`,
  `exec 2>&1`,
  `set -eo pipefail`,
  // \`$_\` as the step's bash has it: \`_\` in its environment, set by the shell's \`exec bash\`.
  `: bash`,
  `eval "$BASH_EXECUTION_STRING"`,
].join('; ');

/** Each byte's form inside \`$'...'\`: printable ASCII as is, but for the backslash and the quote. */
const ansiCQuoted = Array.from({ length: 256 }, (_, byte) =>
  byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x27
    ? String.fromCharCode(byte)
    : `\\x${byte.toString(16).padStart(2, '0')}`,
);

/**
 * `NAME=value` entries as bash words, one \`$'...'\` each, separated by
 * spaces: every byte that is not printable ASCII, and the backslash and the
 * quote, as \`\\xHH\`. The text is ASCII whatever the bytes, so bash parses it
 * alike in any locale, and \`eval "export -- $words"\` exports exactly the
 * bytes given (none may be NUL).
 */
export function exportWords(entries: readonly string[]): string {
  const words: string[] = [];
  for (const entry of entries) {
    if (printableAscii.test(entry)) {
      words.push(`$'${entry}'`);
      continue;
    }
    let word = "$'";
    for (const byte of Buffer.from(entry)) word += ansiCQuoted[byte];
    words.push(`${word}'`);
  }
  return words.join(' ');
}

/** Text that goes into \`$'...'\` as it is (see ansiCQuoted). */
const printableAscii = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** `text` as one bash word, quoted. */
function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// Pooled shells: a step's process started ahead (see the protocol above). It is a coprocess: a job
// (set -m: a process group of its own) whose stdin is a pipe from the shell. Started when the shell
// starts, after a step that announced another, and on `ahead` between attempts; the agent sends that
// once the attempt before was reported finished, so that the fork competes with neither that report
// nor the next stage's dispatch. It keeps one channel, the one its step will have: the attempt's own
// after a step, the next unused one otherwise (channels are used in order; `next_out`). One left unused
// when its attempt detaches is killed, so that it holds that channel no longer; one that kept another
// channel than the attempt's is killed and the step forked.
const ahead = `start_ready() {
  # (bash lowers SHLVL for an exec from an asynchronous subshell, as the steps' own do, but not from a coprocess.)
  coproc ahead { exec 3<&-; SHLVL=$((SHLVL - 1)) exec bash -c ${shellQuoted(readyScript)} bash "$1"; }
  ready=$ahead_PID ready_out=$1
  # bash closes a coprocess's descriptors once it takes the process for ended, which it does when the
  # process is merely stopped (SIGSTOP, then SIGCONT): the shell writes to a copy of its own.
  exec {ready_in}>&"\${ahead[1]}"
  local fd=\${ahead[0]}
  exec {fd}<&-
  fd=\${ahead[1]}
  exec {fd}>&-
}
# The channel, directory, command and variables, framed as the agent frames records (the shell's locale is C: bytes).
# Fails when the process cannot take them (killed from outside: the write fails rather than killing the shell,
# children do not inherit the trap; or it kept another channel than the attempt's): the process is killed, and
# the step is forked as in a shell of its own.
hand_over() {
  local field frame sent=
  [ "$out" = "$ready_out" ] && sent=1
  printf -v frame '%s %s %s %s\\n' "\${#out}" "\${#dir}" "\${#cmd}" "\${#exports}"
  printf -v field '%s' "$out" "$dir" "$cmd" "$exports"
  trap : PIPE
  [ -z "$sent" ] || printf '%s\\0%s%s' "$((\${#frame} + \${#field}))" "$frame" "$field" >&"$ready_in" || sent=
  trap - PIPE
  exec {ready_in}>&-
  [ -z "$sent" ] || return 0
  kill -KILL "$ready"
  ready=
  return 1
}
after_step() {
  [ -z "$ready" ] && [ -z "$term" ] && [ -z "$killed" ] || return 0
  start_ready "$out"
}
after_detach() {
  [ -n "$ready" ] || return 0
  exec {ready_in}>&-
  kill -KILL "$ready"
  ready=
}
after_idle() {
  [ -z "$ready" ] && [ -z "$out" ] && [ -z "$term" ] && [ -z "$killed" ] || return 0
  start_ready "$next_out"
}
start_ready "$next_out"`;

const notAhead = `after_step() { :; }
after_detach() { :; }
after_idle() { :; }`;

/** The job shell's script: `guarded` with the parent-death guard, `pooled` with steps' processes started ahead. */
function jobShellScript(guarded: boolean, pooled: boolean): string {
  return [prelude, ...(guarded ? [guard] : []), pooled ? ahead : notAhead, stepLoop].join('\n');
}

/**
 * The program and arguments that start a job shell with `channels` output
 * channels. `pooled`: the shell's PATH served only to find setpriv and bash
 * (steps get the PATH their attempt exports), and the shell's own locale is
 * C (LC_ALL as a variable it does not export), so that it reads records
 * without switching locales whatever locale it exports to its steps.
 */
export function jobShellCommand(guarded: boolean, channels: number, pooled = false): StepCommand {
  const prefix = pooled ? 'export -n PATH\nLC_ALL=C\n' : '';
  const script = `${prefix}${jobShellScript(guarded, pooled)}`;
  if (!guarded) return { file: 'bash', args: ['-c', script, 'gantry-job', String(channels)] };
  return {
    file: 'setpriv',
    args: ['--pdeathsig', parentDeathSignal, 'bash', '-c', script, 'gantry-job', String(channels), String(process.pid)],
  };
}

let guardAvailable: boolean | undefined;

/**
 * Whether steps can be tied to the agent's life on this host (setpriv with
 * --pdeathsig, /proc). Checked once per process.
 */
export function parentDeathGuardAvailable(): boolean {
  guardAvailable ??=
    process.platform === 'linux' &&
    spawnSync('setpriv', ['--pdeathsig', parentDeathSignal, 'test', '-r', '/proc/self/stat'], { stdio: 'ignore' })
      .status === 0;
  return guardAvailable;
}
