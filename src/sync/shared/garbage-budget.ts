/**
 * How many bytes of Buffers a node leaves to the garbage collector before it asks for a
 * collection. Every chunk a node receives (a socket read) and every piece it deciphers is a fresh
 * Buffer whose memory is malloc'd outside V8's heap and freed only when V8 collects its small
 * wrapper. Left to itself, V8 collects them once ~64 MB of such external memory has piled up (or
 * its old space fills), so a long pull's requester held up to 64 MB of dead Buffers, a short one
 * only what it had received: its peak memory grew with the pull's size (bench/README.md, "Flat
 * memory 100K → 1M"). Asking for a collection every `budget` bytes received bounds that at any
 * size. The collection needs V8's `gc` (the --expose-gc flag, NODE_RUNTIME_FLAGS); without it the
 * budget does nothing.
 */
export const GARBAGE_BUDGET_BYTES = 16 * 1024 * 1024;

type Collect = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;

/** V8's gc function when the process was started with --expose-gc. */
export const exposedGc = (): Collect | undefined => (typeof globalThis.gc === 'function' ? (globalThis.gc as unknown as Collect) : undefined);

export class GarbageBudget {
  private spentBytes = 0;

  constructor(
    private readonly collect: Collect | undefined = exposedGc(),
    private readonly budget = GARBAGE_BUDGET_BYTES,
  ) {}

  /** `bytes` more of Buffers are garbage (or will be soon): past the budget, a full collection. */
  spent(bytes: number): void {
    this.spentBytes += bytes;
    if (this.spentBytes < this.budget) return;
    this.spentBytes = 0;
    this.collect?.({ type: 'major' });
  }
}

/** The budget of this process's received streams (pages, batches, files: every FrameOpener). */
export const receivedGarbage = new GarbageBudget();
