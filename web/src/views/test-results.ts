/**
 * The run page's "Tests" section: counts per job from their JUnit reports,
 * refused reports with the reason, and the failing cases with their message
 * and output (folded). Nothing when no job had reports.
 */
import type { RunTests } from '@gantry/client';
import { html } from 'hono/html';
import type { Html } from './layout.js';

export function testResults(tests: RunTests | null): Html {
  if (tests === null || tests.jobs.length === 0) return html`<section id="tests" hidden></section>`;
  const failing = tests.cases.filter((testCase) => testCase.status === 'failed' || testCase.status === 'error');
  const { counts } = tests;
  return html`<section id="tests" aria-labelledby="tests-title">
  <h2 id="tests-title">Tests <span class="muted">${counts.total} total, ${counts.failed + counts.error} failing</span></h2>
  <div class="table-scroll"><table class="test-counts">
    <thead><tr><th scope="col">Job</th><th scope="col">Total</th><th scope="col">Passed</th><th scope="col">Failed</th><th scope="col">Errors</th><th scope="col">Skipped</th></tr></thead>
    <tbody>${tests.jobs.map(
      (job) => html`<tr data-job="${job.jobName}">
      <th scope="row">${job.stage}/${job.jobName}${job.attempt > 1 ? html` <span class="muted">attempt ${job.attempt}</span>` : ''}${job.reports
        .filter((report) => report.status === 'refused')
        .map((report) => html`<div class="notice error">report ${report.path} refused: ${report.problem}</div>`)}</th>
      <td>${job.counts.total}</td><td>${job.counts.passed}</td><td>${job.counts.failed}</td><td>${job.counts.error}</td><td>${job.counts.skipped}</td>
    </tr>`,
    )}</tbody>
  </table></div>
  ${
    failing.length === 0
      ? ''
      : html`<h3>Failing</h3><ul class="failing-tests">${failing.map(
          (testCase) => html`<li data-status="${testCase.status}">
        <strong>${testCase.name}</strong> <span class="muted">${testCase.jobName} · ${testCase.suite}${testCase.status === 'error' ? ' · error' : ''}</span>
        ${testCase.message ? html`<pre class="test-message">${testCase.message}</pre>` : ''}
        ${testCase.output ? html`<details data-fold="${testCase.jobName}/${testCase.suite}/${testCase.name}"><summary>Output</summary><pre class="test-output">${testCase.output}</pre></details>` : ''}
      </li>`,
        )}</ul>`
  }
  ${tests.truncated ? html`<p class="muted">More cases than shown; the API has them all.</p>` : ''}
</section>`;
}
