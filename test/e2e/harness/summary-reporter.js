// Jest reporter of the e2e project: prints what the suite exercised (scenarios, fault points,
// property and concurrency runs, fuzz cases, failures). Specs append their counts with
// recordSummary() (summary.ts) to a file in the directory this reporter creates.
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const SUMMARY_DIR_ENV = 'PRISM_E2E_SUMMARY_DIR';

class E2ESummaryReporter {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'prism-e2e-summary-'));
    // Workers are started after the reporters and inherit this.
    process.env[SUMMARY_DIR_ENV] = this.dir;
  }

  onRunComplete(_contexts, results) {
    const file = join(this.dir, 'summary.jsonl');
    const entries = existsSync(file)
      ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
      : [];
    const total = (key) => entries.reduce((sum, e) => sum + (e[key] ?? 0), 0);
    const lines = [
      '',
      '================ PRISM e2e summary ================',
      ...entries.map((e) => {
        const parts = ['scenarios', 'faultPoints', 'propertyRuns', 'concurrencyRuns', 'fuzzCases', 'failures']
          .filter((k) => e[k] !== undefined)
          .map((k) => `${k}=${e[k]}`);
        return `  ${e.spec}: ${parts.join(', ')}${e.notes?.length ? `\n    ${e.notes.join('\n    ')}` : ''}`;
      }),
      `  scenarios: ${total('scenarios')}`,
      `  fault points: ${total('faultPoints')}`,
      `  property runs: ${total('propertyRuns')}`,
      `  concurrency runs: ${total('concurrencyRuns')}`,
      `  fuzz cases: ${total('fuzzCases')}`,
      `  failures (scenario level): ${total('failures')}`,
      `  jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numTotalTestSuites} suites` +
        `${results.numRuntimeErrorTestSuites ? `, ${results.numRuntimeErrorTestSuites} suites failed to run` : ''}`,
      '====================================================',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = E2ESummaryReporter;
