/**
 * How fast one stage of a sync job moves: the work it reports, with the times it was reported at,
 * and its recent rate (progress-model.ts turns the stages' rates into percent and ETA). Pure: no clock.
 */

/**
 * Recent rates look at the last part of a stage: at least RATE_WINDOW_MS, a share of the stage's
 * age, at most RATE_WINDOW_MAX_MS, and never before the stage's first work. Short enough to forget
 * a slow start (cold caches, connections opening, the small catalog tables: a round trip each),
 * long enough to smooth page-sized bursts (a second holds several COPY pages, or 8 file transfers).
 */
export const RATE_WINDOW_MS = 1000;
export const RATE_WINDOW_SHARE = 0.5;
export const RATE_WINDOW_MAX_MS = 10_000;
/**
 * The file transfer's rate looks at all of it since its ramp (FILES_RAMP_MS; up to RATE_WINDOW_MAX_MS): its
 * swings are noise more than trend (the bench's files pulls since files are flushed as they arrive:
 * mean worst error 58 % with half the age, 48 % with all of it; the older pulls 55 % either way).
 * Its last files are not slower as a rule (8 transfers, then fewer: the last 3 % of the bytes moved
 * at a median 1.17× the rate of the 50–90 % span in the 62 files pulls of 2026-11-30 15:00–18:20,
 * 0.56–0.8× in 11, at most 0.3 s), so nothing models a tail.
 */
export const FILES_RATE_WINDOW_SHARE = 1;
/**
 * How often a running job republishes its progress when nothing reports (ProgressTracker): the
 * apply's load and finish and the files' flush say nothing while they run (up to 24 s each at 1M
 * rows); without it the ETA shown would stand still, then jump.
 */
export const PROGRESS_TICK_MS = 1000;
/** Samples closer together than this are merged (a file reports every chunk). */
const SAMPLE_SPACING_MS = 100;
/**
 * The file transfer's first half second after its first byte moves at a fraction of its pace (the
 * connections' first requests: 0.3–0.9× the rest in all five quiet files pulls of 2026-11-30, and
 * in 9 of 11 loaded ones), so its rate leaves that ramp out, and there is no estimate before the
 * ramp and FILES_MEASURED_MS after it (unless FIRST_ESTIMATE_SHARE moved). Counted from the first
 * byte: the wait for it (80–500 ms in the bench) is no transfer, and gives no estimate either.
 * Before, the rate over the whole transfer from 1 s after the files stage started made the first
 * estimates 25–35 % long on a quiet machine (bench/README.md "ETA: the loads' weight and the files'
 * ramp").
 */
export const FILES_RAMP_MS = 500;
export const FILES_MEASURED_MS = 700;

export type StageName = 'fetch' | 'files' | 'apply';

/** Work done in one stage, in its unit, with the times it was measured at. */
export class StageMeter {
  /**
   * `windowShare`: the share of the stage's age its rate looks at (RATE_WINDOW_SHARE, FILES_RATE_WINDOW_SHARE);
   * `rampMs`: a slow start after the first work that the rate leaves out once FILES_MEASURED_MS followed it.
   */
  constructor(
    private readonly windowShare = RATE_WINDOW_SHARE,
    private readonly rampMs = 0,
  ) {}

  startedAtMs: number | null = null;
  finishedAtMs: number | null = null;
  /** The first work reported, and how much it was (the apply's first table ends its load). */
  firstWork: { atMs: number; done: number } | null = null;
  /** When the work done reached the total (the files' last byte: their flush follows). */
  completedAtMs: number | null = null;
  /** When the work done last grew (the apply's last table reported). */
  lastWorkAtMs: number | null = null;
  done = 0;
  total = 0;
  private samples: { atMs: number; done: number }[] = [];

  start(atMs: number): void {
    if (this.startedAtMs !== null) return;
    this.startedAtMs = atMs;
    this.samples = [{ atMs, done: this.done }];
  }

  /** Sets the work done (never lowered, never above the total). */
  record(done: number, atMs: number): void {
    const before = this.done;
    this.done = Math.min(this.total, Math.max(this.done, done));
    if (this.done > before) this.lastWorkAtMs = atMs;
    if (this.firstWork === null && this.done > 0) this.firstWork = { atMs, done: this.done };
    if (this.completedAtMs === null && this.total > 0 && this.done >= this.total) this.completedAtMs = atMs;
    const last = this.samples.at(-1);
    if (last && this.samples.length > 1 && atMs - this.samples.at(-2)!.atMs < SAMPLE_SPACING_MS) Object.assign(last, { atMs, done: this.done });
    else this.samples.push({ atMs, done: this.done });
    // Keep the sample just before the longest window as its start.
    while (this.samples.length > 2 && this.samples[1].atMs <= atMs - RATE_WINDOW_MAX_MS) this.samples.shift();
  }

  finish(atMs: number): void {
    this.start(atMs);
    if (this.finishedAtMs === null) this.finishedAtMs = atMs;
  }

  /** Time spent in the stage so far (all of it once finished). */
  elapsedMs(nowMs: number): number {
    if (this.startedAtMs === null) return 0;
    return (this.finishedAtMs ?? nowMs) - this.startedAtMs;
  }

  /** Units per second over the recent window (since the stage started if younger); null before any work. */
  rate(nowMs: number): number | null {
    if (this.startedAtMs === null || this.done <= 0) return null;
    const end = this.finishedAtMs ?? nowMs;
    const windowMs = Math.min(RATE_WINDOW_MAX_MS, Math.max(RATE_WINDOW_MS, this.windowShare * (end - this.startedAtMs)));
    // The latest sample at or before the window's start (the first one if the stage is younger).
    let first = this.samples[0];
    for (const sample of this.samples) if (sample.atMs <= end - windowMs) first = sample;
    // Not before the first work: the wait for it (a connection, a first request) is no rate.
    if (this.firstWork && first.atMs < this.firstWork.atMs && this.done > this.firstWork.done) first = this.firstWork;
    first = this.afterRamp(first, end);
    const seconds = (end - first.atMs) / 1000;
    const moved = this.done - first.done;
    if (seconds <= 0 || moved <= 0) {
      const all = this.elapsedMs(nowMs) / 1000;
      return all > 0 ? this.done / all : null;
    }
    return moved / seconds;
  }

  /** The window's start moved past the ramp (rampMs), once FILES_MEASURED_MS of work followed it. */
  private afterRamp(first: { atMs: number; done: number }, end: number): { atMs: number; done: number } {
    if (this.rampMs <= 0 || !this.firstWork) return first;
    const rampEnd = this.firstWork.atMs + this.rampMs;
    if (first.atMs >= rampEnd || end - rampEnd < FILES_MEASURED_MS) return first;
    const after = this.samples.find((sample) => sample.atMs >= rampEnd);
    return after && after.atMs < end && after.done < this.done ? after : first;
  }

  get remaining(): number {
    return Math.max(0, this.total - this.done);
  }
}

/** The meters of one job, each with its rate window (the tracker's and the bench replay's). */
export function stageMeters(): { fetch: StageMeter; files: StageMeter; apply: StageMeter; rowsFetched: StageMeter } {
  return { fetch: new StageMeter(), files: new StageMeter(FILES_RATE_WINDOW_SHARE, FILES_RAMP_MS), apply: new StageMeter(), rowsFetched: new StageMeter() };
}
