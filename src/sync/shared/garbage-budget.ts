import { frameBuffers } from './frame-buffers';

/**
 * A ceiling on the Buffer memory a node's streams leave to the garbage collector. Every chunk a
 * node receives (a socket read) and every piece it deciphers is a fresh Buffer, malloc'd outside
 * V8's heap and freed only when V8 collects its small wrapper. Left to itself, V8 collects them
 * once ~64 MB of such external memory has piled up, so a long pull's requester held up to 64 MB of
 * dead Buffers and a short one only what it had received: its peak memory grew with the pull's
 * size (bench/README.md, "Flat memory 100K → 1M").
 *
 * Every CHECK_EVERY_BYTES counted, the process's Buffer memory is read, less what is live by
 * design (`liveBytes`: the frame buffers of FrameBuffers' pool, in use or kept for reuse). When
 * the rest, the garbage, is above YOUNG_GARBAGE_BYTES a young-generation collection runs (~0.1–1
 * ms: frees the Buffers that died young, which is what the page and file paths leave since they
 * copy each deciphered piece into a reused buffer at once); if after one the garbage is still above
 * BUFFER_CEILING_BYTES at the next check, a full one (~40–100 ms: frees those whose wrappers were
 * promoted, e.g. a batch's frame held until its tag verified). Young collections every few MB
 * keep the pile at the same few MB whatever the pull's size (bench/README.md, "Garbage counted
 * without the pool"). It needs V8's gc() (the --expose-gc flag, NODE_RUNTIME_FLAGS); without it
 * the budget does nothing.
 */
export const YOUNG_GARBAGE_BYTES = 4 * 1024 * 1024;
export const BUFFER_CEILING_BYTES = 24 * 1024 * 1024;
export const CHECK_EVERY_BYTES = 2 * 1024 * 1024;

/** V8's gc(): without arguments a full collection; `{ type: 'minor' }` a young-generation one. */
type Collect = (options?: { type: 'minor' }) => unknown;

/** V8's gc function when the process was started with --expose-gc. */
export const exposedGc = (): Collect | undefined => (typeof globalThis.gc === 'function' ? (globalThis.gc as unknown as Collect) : undefined);

export interface GarbageLimits {
  /** Garbage above which a young-generation collection runs. */
  young: number;
  /** Garbage still above this after a young collection: a full one. */
  ceiling: number;
  /** Bytes counted between two checks. */
  every: number;
}

export class GarbageBudget {
  private counted = 0;
  private triedMinor = false;

  constructor(
    /** null: none (a process without --expose-gc). */
    private readonly collect: Collect | null = exposedGc() ?? null,
    private readonly bufferBytes: () => number = () => process.memoryUsage().arrayBuffers,
    /** Buffer memory that is live by design, not garbage (the frame buffers' pool). */
    private readonly liveBytes: () => number = () => frameBuffers.liveBytes,
    private readonly limits: GarbageLimits = { young: YOUNG_GARBAGE_BYTES, ceiling: BUFFER_CEILING_BYTES, every: CHECK_EVERY_BYTES },
  ) {}

  /** `bytes` more of Buffers are garbage (or will be soon). */
  spent(bytes: number): void {
    this.counted += bytes;
    if (this.counted < this.limits.every || !this.collect) return;
    this.counted = 0;
    const garbage = this.bufferBytes() - this.liveBytes();
    if (garbage <= this.limits.young) {
      this.triedMinor = false;
      return;
    }
    const full = this.triedMinor && garbage > this.limits.ceiling;
    this.triedMinor = !full;
    if (full) this.collect();
    else this.collect({ type: 'minor' });
  }
}

/**
 * The budget of this process's streams: what it receives (pages, batches, files: every FrameOpener;
 * read in place, the socket's chunk is a view, but its deciphered piece is a fresh Buffer of the
 * same size) and the pieces a FrameDecryptor passes on (a batch of pages).
 */
export const streamGarbage = new GarbageBudget();
