/** Status words in colour, for a terminal only (CliIo.color); everything else prints them plain. */
import { styleText } from 'node:util';

const statusColors: Record<string, Parameters<typeof styleText>[0]> = {
  succeeded: 'green',
  failed: 'red',
  timed_out: 'red',
  rejected: 'red',
  canceled: 'gray',
  running: 'yellow',
  awaiting_approval: 'cyan',
  waiting_for_concurrency: 'cyan',
  superseded: 'gray',
  queued: 'blue',
};

/** `text` coloured for `status` when `color` is on; `text` may carry padding around the word. */
export function paintStatus(text: string, status: string, color: boolean | undefined): string {
  const style = statusColors[status];
  if (!color || style === undefined) return text;
  return text.replace(status, styleText(style, status, { validateStream: false }));
}
