import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Counts one spec contributes to the end-of-run summary (printed by summary-reporter.js). */
export interface SummaryEntry {
  spec: string;
  scenarios?: number;
  faultPoints?: number;
  propertyRuns?: number;
  concurrencyRuns?: number;
  fuzzCases?: number;
  failures?: number;
  notes?: string[];
}

export const SUMMARY_DIR_ENV = 'PRISM_E2E_SUMMARY_DIR';

/** Appends a spec's counts to the run's summary file (the reporter sets the directory). */
export function recordSummary(entry: SummaryEntry): void {
  const dir = process.env[SUMMARY_DIR_ENV] ?? join(tmpdir(), `prism-e2e-summary-${process.ppid}`);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'summary.jsonl'), `${JSON.stringify(entry)}\n`);
}
