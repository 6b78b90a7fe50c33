/**
 * A job's log streamed into the page: the body of `data-log` (the follow
 * URL while the attempt runs) read as it arrives, coloured, with each
 * step's `$ command` line marked as a step boundary and labelled with the
 * step's duration and exit code from `data-steps`. The view follows the end
 * of the log until the reader scrolls up, and again once they scroll back
 * down.
 */
import { AnsiParser } from './ansi.js';

interface StepLabel {
  label: string;
}

export async function streamLog(log: HTMLElement): Promise<void> {
  const url = log.dataset.log;
  if (!url) return;
  const status = document.getElementById('log-status');
  const steps = JSON.parse(log.dataset.steps ?? '[]') as StepLabel[];
  let stuckToEnd = true;
  const scroller = document.scrollingElement ?? document.documentElement;
  window.addEventListener('scroll', () => {
    stuckToEnd = scroller.scrollTop + window.innerHeight >= scroller.scrollHeight - 40;
  });

  const parser = new AnsiParser();
  const decoder = new TextDecoder();
  let lineStart = true;
  let stepIndex = 0;
  let pendingLine = '';

  const append = (text: string): void => {
    const fragment = document.createDocumentFragment();
    for (const run of parser.push(text)) {
      for (const piece of run.text.split(/(?<=\n)/)) {
        const heading = lineStart && (pendingLine + piece).startsWith('$ ');
        const span = document.createElement('span');
        span.textContent = piece;
        if (run.classes.length > 0) span.className = run.classes.join(' ');
        if (heading) {
          span.classList.add('step');
          const label = steps[stepIndex]?.label;
          if (label) span.dataset.label = label;
          stepIndex++;
        }
        fragment.append(span);
        lineStart = piece.endsWith('\n');
        pendingLine = lineStart ? '' : pendingLine + piece;
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
  } catch {
    log.dataset.state = 'failed';
    if (status) status.textContent = 'The log stream was cut; reload to read it again.';
  }
}
