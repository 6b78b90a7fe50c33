/**
 * Reads the JUnit reports an attempt committed, as part of its
 * CommitArtifacts call (the gRPC service calls `read` after the commit):
 * each named path must be a committed file of the attempt; it is fetched
 * from the artifact store (at most `maxBytes`), parsed and recorded once.
 * A report that is too big, malformed or has too many cases is recorded as
 * refused with the reason. Never throws for a bad report: it answers one note
 * per path, which the agent prints in the job's log.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { artifactKey } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { Database } from '../store/database.js';
import type { LeaseKey } from '../store/leases-repository.js';
import {
  committedFile,
  findTestReport,
  type ReportReading,
  recordTestReport,
} from '../store/test-reports-repository.js';
import { DEFAULT_JUNIT_LIMITS, JUnitReportError, parseJUnitReport } from './junit-report.js';
import { countCases, type TestCounts } from './test-results.js';

/** Report paths one commit may name. */
export const MAX_REPORTS_PER_ATTEMPT = 100;

export interface TestReportReaderDeps {
  db: Database;
  store: ArtifactStore;
  log: Logger;
  /** A bigger report is refused unread. */
  maxBytes: number;
  /** A report with more cases is refused. */
  maxCases: number;
}

export class TestReportReader {
  constructor(private readonly deps: TestReportReaderDeps) {}

  /** One note per path, in order (at most MAX_REPORTS_PER_ATTEMPT paths are read; the rest get a note saying so). */
  async read(lease: LeaseKey, paths: readonly string[]): Promise<string[]> {
    const notes: string[] = [];
    for (const [index, path] of paths.entries()) {
      if (index >= MAX_REPORTS_PER_ATTEMPT) {
        notes.push(`test report ${path} not read: at most ${MAX_REPORTS_PER_ATTEMPT} reports per job`);
        continue;
      }
      notes.push(await this.#readOne(lease, path));
    }
    return notes;
  }

  async #readOne(lease: LeaseKey, path: string): Promise<string> {
    const { jobId, attempt } = lease;
    const recorded = await findTestReport(this.deps.db, jobId, attempt, path);
    if (recorded !== null) return noteOf(path, recorded.status === 'read' ? recorded.counts : recorded.problem);
    const file = await committedFile(this.deps.db, jobId, attempt, path);
    if (file === null) return `test report ${path} not read: it is not among the files the job kept`;
    let reading: ReportReading;
    try {
      reading = await this.#parse(artifactKey(file.runId, jobId, attempt, path), file.size);
    } catch (error) {
      this.deps.log.warn({ jobId, attempt, path, err: (error as Error).message }, 'test report unreadable');
      return `test report ${path} not read: ${(error as Error).message}`;
    }
    await recordTestReport(this.deps.db, { runId: file.runId, jobId, attempt, path }, reading);
    if (reading.status === 'refused') {
      this.deps.log.info({ jobId, attempt, path, problem: reading.problem }, 'test report refused');
    }
    return noteOf(path, reading.status === 'read' ? countCases(reading.cases) : reading.problem);
  }

  /** The reading of one stored report; throws only when the store cannot give its bytes. */
  async #parse(key: string, size: number): Promise<ReportReading> {
    const { maxBytes, maxCases } = this.deps;
    if (size > maxBytes) {
      return { status: 'refused', problem: `it is ${size} bytes, over the limit of ${maxBytes} bytes` };
    }
    const text = await readText(await this.deps.store.getObject(key), maxBytes);
    if (text === null) return { status: 'refused', problem: `it is over the limit of ${maxBytes} bytes` };
    try {
      return { status: 'read', cases: parseJUnitReport(text, { ...DEFAULT_JUNIT_LIMITS, maxCases }) };
    } catch (error) {
      if (error instanceof JUnitReportError) return { status: 'refused', problem: error.message };
      throw error;
    }
  }
}

function noteOf(path: string, outcome: TestCounts | Omit<TestCounts, 'total'> | string | null): string {
  if (typeof outcome === 'string' || outcome === null) return `test report ${path} refused: ${outcome ?? 'unreadable'}`;
  const { passed, failed, error, skipped } = outcome;
  const total = passed + failed + error + skipped;
  return `test report ${path}: ${total} tests, ${passed} passed, ${failed} failed, ${error} errors, ${skipped} skipped`;
}

/** The stream's bytes as UTF-8, or null as soon as they pass `maxBytes`. */
async function readText(stream: Readable, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      stream.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
