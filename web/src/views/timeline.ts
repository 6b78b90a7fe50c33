/**
 * When each job attempt ran and on which agent, as bars on one time axis
 * (an SVG: its geometry is attributes, so the strict CSP allows it). Bars
 * side by side show parallelism; a gap before a bar shows waiting.
 */
import type { RunDetail } from '@gantry/client';
import { html } from 'hono/html';
import { formatDuration, statusText } from './format.js';
import type { Html } from './layout.js';

const rowHeight = 22;
const labelWidth = 260;
const barsWidth = 740;

interface Bar {
  label: string;
  agent: string;
  status: string;
  startMs: number;
  endMs: number;
  title: string;
}

export function timeline(run: RunDetail, agentNames: Map<string, string>, nowMs: number): Html {
  const bars: Bar[] = run.stages.flatMap((stage) =>
    stage.jobs.flatMap((job) =>
      job.attempts.map((attempt) => {
        const agent = agentNames.get(attempt.agentId) ?? attempt.agentId.slice(0, 8);
        const label = `${job.name}${job.attempts.length > 1 ? ` #${attempt.attempt}` : ''}`;
        return {
          label,
          agent,
          status: attempt.status,
          startMs: Date.parse(attempt.startedAt),
          endMs: attempt.finishedAt ? Date.parse(attempt.finishedAt) : nowMs,
          title: `${label} on ${agent}: ${statusText(attempt.status)}, ${formatDuration(attempt.startedAt, attempt.finishedAt, nowMs)}`,
        };
      }),
    ),
  );
  if (bars.length === 0) return html`<p class="muted" id="timeline">No job has started yet.</p>`;
  const originMs = Math.min(Date.parse(run.createdAt), ...bars.map((bar) => bar.startMs));
  const spanMs = Math.max(1, Math.max(...bars.map((bar) => bar.endMs)) - originMs);
  const x = (ms: number) => labelWidth + ((ms - originMs) / spanMs) * barsWidth;
  const height = bars.length * rowHeight + 20;
  return html`<figure id="timeline" class="timeline">
<svg viewBox="0 0 ${labelWidth + barsWidth + 10} ${height}" role="img" aria-label="when each job ran and on which agent">
${bars.map((bar, index) => {
  const y = index * rowHeight;
  const left = x(bar.startMs);
  const width = Math.max(2, x(bar.endMs) - left);
  return html`<g class="status-${bar.status}"><title>${bar.title}</title>
<text x="4" y="${y + 15}" class="lane">${bar.label} · ${bar.agent}</text>
<rect x="${left.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" rx="3"></rect></g>`;
})}
<text x="${labelWidth}" y="${height - 4}" class="axis">0s</text>
<text x="${labelWidth + barsWidth}" y="${height - 4}" class="axis" text-anchor="end">${formatDuration(new Date(originMs).toISOString(), new Date(originMs + spanMs).toISOString(), nowMs)}</text>
</svg>
</figure>`;
}
