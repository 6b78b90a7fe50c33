/**
 * A job's log streamed into the page: the body of `data-log` (the follow
 * URL while the attempt runs) read as it arrives, coloured, with each
 * step's `$ command` line marked as a step boundary and labelled with the
 * step's duration and exit code from `data-steps`. While the attempt is
 * followed, each new boundary has the page's head and the boundaries before
 * it labelled again from the server's rendering, and once more when the
 * attempt ends. The view follows the end of the log until the reader
 * scrolls up, and again once they scroll back down.
 */
import { AnsiParser } from './ansi.js';

interface StepLabel {
  label: string;
  /** `pending`, `running`, or how it ended (then its label will not change). */
  status?: string;
}

/** How often, and how many times, the labels are read again while the step reports lag behind the log. */
const relabelRetryMs = 1000;
const relabelRetries = 10;

export async function streamLog(log: HTMLElement): Promise<void> {
  const url = log.dataset.log;
  if (!url) return;
  const status = document.getElementById('log-status');
  let steps = JSON.parse(log.dataset.steps ?? '[]') as StepLabel[];
  let stuckToEnd = true;
  const scroller = document.scrollingElement ?? document.documentElement;
  window.addEventListener('scroll', () => {
    stuckToEnd = scroller.scrollTop + window.innerHeight >= scroller.scrollHeight - 40;
  });

  const parser = new AnsiParser();
  const decoder = new TextDecoder();
  let lineStart = true;
  let stepIndex = 0;
  const following = url.includes('follow=1');
  // Labels count steps from the start of the log: a log shown from its tail is not relabelled.
  let relabels = following ? new Relabeller(log) : null;

  /** One node per styled run; only a step's `$ command` line gets a node of its own (a huge log stays a few nodes). */
  const appendRun = (fragment: DocumentFragment, text: string, classes: string[]): void => {
    if (text === '') return;
    if (classes.length === 0) fragment.append(text);
    else {
      const span = document.createElement('span');
      span.className = classes.join(' ');
      span.textContent = text;
      fragment.append(span);
    }
  };

  const appendStep = (fragment: DocumentFragment, text: string, classes: string[]): void => {
    const span = document.createElement('span');
    span.className = ['step', ...classes].join(' ');
    span.textContent = text;
    const label = steps[stepIndex]?.label;
    if (label) span.dataset.label = label;
    stepIndex++;
    fragment.append(span);
    // A new step began: the one before it ended.
    if (stepIndex > 1) relabels?.request();
  };

  const append = (text: string): void => {
    const fragment = document.createDocumentFragment();
    for (const run of parser.push(text)) {
      let rest = run.text;
      while (rest !== '') {
        // The next step line: at the start of this run if a line starts here, else after a newline.
        const at = lineStart && rest.startsWith('$ ') ? 0 : rest.indexOf('\n$ ') + 1;
        if (at <= 0 && !(lineStart && rest.startsWith('$ '))) {
          appendRun(fragment, rest, run.classes);
          lineStart = rest.endsWith('\n');
          break;
        }
        appendRun(fragment, rest.slice(0, at), run.classes);
        const end = rest.indexOf('\n', at);
        const line = end < 0 ? rest.slice(at) : rest.slice(at, end + 1);
        appendStep(fragment, line, run.classes);
        rest = rest.slice(at + line.length);
        lineStart = line.endsWith('\n');
      }
    }
    log.append(fragment);
    if (stuckToEnd) window.scrollTo(0, scroller.scrollHeight);
  };

  try {
    const answer = await fetch(url, { credentials: 'same-origin' });
    if (!answer.ok || !answer.body) {
      log.dataset.state = 'failed';
      if (status) status.textContent = `The log could not be read (HTTP ${answer.status}).`;
      return;
    }
    const offset = Number(answer.headers.get('x-gantry-log-offset') ?? '0');
    const earlier = document.getElementById('log-earlier');
    if (offset > 0) {
      if (earlier) earlier.hidden = false;
      // Labels count steps from the start of the log, which a tail does not show.
      steps = [];
      relabels = null;
    }
    log.dataset.state = 'streaming';
    const reader = answer.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      append(decoder.decode(value, { stream: true }));
    }
    append(decoder.decode());
    log.dataset.state = 'done';
    if (status) status.textContent = log.textContent === '' ? 'No output.' : 'End of log.';
    if (relabels) await relabels.finish();
    else if (following) await refreshHead(log, false);
  } catch {
    log.dataset.state = 'failed';
    if (status) status.textContent = 'The log stream was cut; reload to read it again.';
  }
}

/**
 * Relabels a followed log's step boundaries as steps end. Reads of the page
 * take turns (a request during one makes one more after it, however many
 * came), so a later read never loses to an earlier one. While a step before
 * the last boundary has not reported its end, or the last one its start (a
 * step's reports and its log travel apart), it reads again every second, up
 * to ten times per boundary.
 */
class Relabeller {
  private turns: Promise<void> = Promise.resolve();
  /** The read asked for and not begun yet. */
  private waiting: Promise<void> | null = null;
  private retries = 0;
  private attemptEnded = false;
  /** The one read again planned for later, if any. */
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly log: HTMLElement) {}

  /** A new boundary appeared. */
  request(): void {
    clearTimeout(this.retry);
    this.retries = 0;
    void this.next();
  }

  /** The attempt ended: one last read, once the one in progress is done. */
  finish(): Promise<void> {
    clearTimeout(this.retry);
    this.attemptEnded = true;
    return this.next();
  }

  private next(): Promise<void> {
    if (!this.waiting) {
      const read = this.turns.then(() => {
        this.waiting = null;
        return this.read();
      });
      this.waiting = read;
      this.turns = read;
    }
    return this.waiting;
  }

  private async read(): Promise<void> {
    try {
      const labels = await refreshHead(this.log, true);
      if (this.attemptEnded || labels === null || this.retries >= relabelRetries) return;
      // Every step before the last boundary has ended, and the last one has started.
      const started = this.log.querySelectorAll('.step').length;
      const ended = (label: StepLabel | undefined) => label?.status !== 'pending' && label?.status !== 'running';
      const behind =
        labels.slice(0, started - 1).some((label) => !ended(label)) || labels[started - 1]?.status === 'pending';
      if (behind) {
        this.retries++;
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.next(), relabelRetryMs);
      }
    } catch {
      // The next boundary, or the attempt's end, reads again.
    }
  }
}

/**
 * The attempt's status, duration and steps, as the server now renders them,
 * and (`relabel`: the log is shown from its start) each step boundary's
 * label, which the page rendered while the step ran. Answers the labels read
 * (null: the page could not be read).
 */
async function refreshHead(log: HTMLElement, relabel: boolean): Promise<StepLabel[] | null> {
  const head = document.getElementById('job-head');
  const answer = await fetch(window.location.href, { credentials: 'same-origin' });
  if (!head || !answer.ok) return null;
  // The server's own rendering of this page, escaped there.
  const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
  const labels = JSON.parse(page.getElementById('log')?.dataset.steps ?? '[]') as StepLabel[];
  if (relabel) {
    for (const [index, boundary] of [...log.querySelectorAll<HTMLElement>('.step')].entries()) {
      const label = labels[index]?.label;
      if (label) boundary.dataset.label = label;
    }
  }
  // The head the page holds now: an earlier read may have replaced it.
  const fresh = page.getElementById('job-head');
  if (fresh) document.getElementById('job-head')?.replaceWith(fresh);
  return labels;
}
