/**
 * The ETA accuracy of a traced pull (issue 17), as the bench reports it and eta-replay.ts scores
 * recorded traces: no I/O, so the replay loads only this and the progress model.
 */

/** One progress snapshot as received, `atMs` after the job was started. */
export interface ProgressPoint {
  atMs: number;
  state: string;
  phase: string;
  percent: number;
  etaSeconds: number | null;
  rowsDone: number;
  rowsTotal: number;
  /** Page bytes (manifest measure) and file bytes settled, of their totals. */
  bytesDone: number;
  bytesTotal: number;
  fileBytesDone: number;
  fileBytesTotal: number;
  appliedDone: number;
  /** Rows loaded into the apply's work tables and the seconds that took (traces since h-eta4). */
  loadedTables?: number;
  loadedRows?: number;
  loadedSeconds?: number;
  /**
   * The table the job names (the apply: the table last applied; traces since h-eta6): each table's
   * apply time by name, across runs, for a model of the tables' costs (bench/README.md "ETA: what limits it").
   */
  table?: string | null;
}

/**
 * How far the ETA was from the real remaining time, over the snapshots after the first 10 % of the
 * pull's real duration with at least a second left.
 */
export interface EtaAccuracy {
  /** Snapshots considered (running, an ETA given, ≥ 10 % of the real duration elapsed, ≥ 1 s left). */
  points: number;
  /**
   * Snapshots in the same span without an ETA (the model withholds it until its rates are measured):
   * they are not scored, so they are counted, to keep a model from scoring well by saying nothing.
   */
  withoutEta: number;
  /** Worst |ETA − real remaining| ÷ real remaining, beyond the ETA's half-second rounding. */
  worstError?: number;
  /** Where the worst one was. */
  worst?: { percent: number; etaSeconds: number; remainingSeconds: number; phase: string };
  /** Median error over those snapshots, and the share of them within the 20 % target. */
  medianError?: number;
  within20?: number;
}

/** The ETA is given in whole seconds: up to half a second of difference is rounding, not error. */
const ETA_ROUNDING_SECONDS = 0.5;
/** Below a second left, a ratio to the remaining time says nothing about an ETA in whole seconds. */
const ETA_MIN_REMAINING_MS = 1000;

/**
 * "After the first 10 %" is 10 % of the real duration, not of the job's own percent: the percent is
 * the model's estimate, so a model that overestimates the time would keep its worst snapshots out.
 */
export function etaAccuracy(trace: ProgressPoint[], totalMs: number): EtaAccuracy {
  const span = trace.filter((p) => p.state === 'running' && p.atMs >= 0.1 * totalMs && totalMs - p.atMs >= ETA_MIN_REMAINING_MS);
  const considered = span.filter((p) => p.etaSeconds !== null);
  const result: EtaAccuracy = { points: considered.length, withoutEta: span.length - considered.length };
  const errors: number[] = [];
  for (const p of considered) {
    const remainingSeconds = (totalMs - p.atMs) / 1000;
    const error = Math.max(0, Math.abs(p.etaSeconds! - remainingSeconds) - ETA_ROUNDING_SECONDS) / remainingSeconds;
    errors.push(error);
    if (result.worstError === undefined || error > result.worstError) {
      result.worstError = error;
      result.worst = { percent: p.percent, etaSeconds: p.etaSeconds!, remainingSeconds: Math.round(remainingSeconds * 100) / 100, phase: p.phase };
    }
  }
  if (errors.length) {
    errors.sort((a, b) => a - b);
    result.medianError = errors[Math.floor(errors.length / 2)];
    result.within20 = errors.filter((e) => e <= 0.2).length / errors.length;
  }
  return result;
}

/**
 * A diagnostic, not the metric: the same accuracy over the snapshots of each phase alone (the
 * others' ETAs set aside), to say which part of the model the worst errors come from.
 */
export function etaAccuracyByPhase(trace: ProgressPoint[], totalMs: number): Record<string, EtaAccuracy> {
  const phases = [...new Set(trace.filter((p) => p.state === 'running').map((p) => p.phase))];
  const result: Record<string, EtaAccuracy> = {};
  for (const phase of phases) {
    const accuracy = etaAccuracy(trace.map((p) => (p.phase === phase ? p : { ...p, etaSeconds: null })), totalMs);
    if (accuracy.worstError !== undefined) result[phase] = accuracy;
  }
  return result;
}
