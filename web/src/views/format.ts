/** Small text formats the views share. */

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 10) : '—';
}

/** `1h 2m`, `3m 04s`, `12s`, `0.4s`; null when it has not started. */
export function formatDuration(startedAt: string | null, finishedAt: string | null, nowMs: number): string | null {
  if (!startedAt) return null;
  const endMs = finishedAt ? Date.parse(finishedAt) : nowMs;
  const ms = Math.max(0, endMs - Date.parse(startedAt));
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** `2024-05-01 12:00:03 UTC`: absolute, so a page read later or elsewhere says the same. */
export function formatTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '—';
}

/** Status words as people read them (`awaiting_approval` → `awaiting approval`). */
export function statusText(status: string): string {
  return status.replaceAll('_', ' ');
}
