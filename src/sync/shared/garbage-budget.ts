/**
 * A ceiling on the Buffer memory a node's streams leave to the garbage collector. Every chunk a
 * node receives (a socket read), every piece it deciphers and every chunk of a staged file it
 * loads is a fresh Buffer, malloc'd outside V8's heap and freed only when V8 collects its small
 * wrapper. Left to itself, V8 collects them once ~64 MB of such external memory has piled up, so
 * a long pull's requester held up to 64 MB of dead Buffers and a short one only what it had
 * received: its peak memory grew with the pull's size (bench/README.md, "Flat memory 100K → 1M").
 *
 * Every CHECK_EVERY_BYTES counted, the process's Buffer memory is read; above BUFFER_CEILING_BYTES
 * a young-generation collection runs (~0.1 ms: frees the Buffers that died young), and if that
 * was not enough at the next check, a full one (~40–100 ms: frees those whose wrappers were
 * promoted, e.g. a frame's plaintext held until its tag verified). It needs V8's gc() (the
 * --expose-gc flag, NODE_RUNTIME_FLAGS); without it the budget does nothing.
 */
export const BUFFER_CEILING_BYTES = 24 * 1024 * 1024;
export const CHECK_EVERY_BYTES = 4 * 1024 * 1024;

/** V8's gc(): without arguments a full collection; `{ type: 'minor' }` a young-generation one. */
type Collect = (options?: { type: 'minor' }) => unknown;

/** V8's gc function when the process was started with --expose-gc. */
export const exposedGc = (): Collect | undefined => (typeof globalThis.gc === 'function' ? (globalThis.gc as unknown as Collect) : undefined);

export class GarbageBudget {
  private counted = 0;
  private triedMinor = false;

  constructor(
    private readonly collect: Collect | undefined = exposedGc(),
    private readonly bufferBytes: () => number = () => process.memoryUsage().arrayBuffers,
    private readonly ceiling = BUFFER_CEILING_BYTES,
    private readonly every = CHECK_EVERY_BYTES,
  ) {}

  /** `bytes` more of Buffers are garbage (or will be soon). */
  spent(bytes: number): void {
    this.counted += bytes;
    if (this.counted < this.every || !this.collect) return;
    this.counted = 0;
    if (this.bufferBytes() <= this.ceiling) {
      this.triedMinor = false;
      return;
    }
    this.triedMinor = !this.triedMinor;
    if (this.triedMinor) this.collect({ type: 'minor' });
    else this.collect();
  }
}

/**
 * The budget of this process's streams: what it receives (pages, batches, files: every FrameOpener)
 * and the pieces a FrameDecryptor passes on (a batch of pages). Pages, files and staged COPYs read
 * in place leave no Buffer per chunk (bench/README.md, "Pages read in place").
 */
export const streamGarbage = new GarbageBudget();
