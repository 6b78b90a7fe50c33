/** The page's one script: live regions and log streams, found by their data attributes. */
import { startLiveRegion } from './live-region.js';
import { streamLog } from './log-view.js';

function start(): void {
  for (const region of document.querySelectorAll<HTMLElement>('[data-events]')) startLiveRegion(region);
  const log = document.getElementById('log');
  if (log) void streamLog(log);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
