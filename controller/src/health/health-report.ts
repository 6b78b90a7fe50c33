/**
 * Runs the controller's health checks side by side, each bounded by a
 * timeout, and folds them into the answer of `GET /healthz`: healthy only when
 * every check passed; otherwise each failing check names what is wrong.
 */

/** One check's outcome: `detail` says what was seen (healthy) or what is wrong. */
export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

/** Resolves with what it saw when healthy; rejects with an Error naming the problem otherwise. */
export type HealthCheck = () => Promise<string>;

export class HealthCheckTimeoutError extends Error {
  override readonly name = 'HealthCheckTimeoutError';
  readonly code = 'HEALTH_CHECK_TIMEOUT';
}

export async function runHealthChecks(checks: Record<string, HealthCheck>, timeoutMs: number): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
  const report: HealthReport = { ok: results.every((result) => result.ok), checks: {} };
  names.forEach((name, index) => {
    report.checks[name] = results[index]!;
  });
  return report;
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthCheckTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return { ok: true, detail: await Promise.race([check(), timeout]) };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
