import { FRAME_HEADER, FRAME_PLAINTEXT_MAX, FRAME_TAG } from './frame-format';

/**
 * Frame-sized buffers reused across transfers (frames sent by the file route, frames received by
 * a file pull). Node allocates a fresh buffer for every cipher output and file read; held while a
 * frame waits for its tag, the disk or the socket, such buffers outlive the young generation under
 * load, and every 64 MB of them promoted starts a full garbage collection of the node's whole heap
 * (a few per 10 MB measured on each node). Reused buffers are allocated once and stay.
 * At most `keep` buffers wait unused, and none once the pool sat unused for `idleMs`.
 *
 * `liveBytes`: the memory of the buffers this pool allocated that are still alive (in use, idle
 * here, or dropped and not yet collected): live memory, not garbage, so the streams' GarbageBudget
 * leaves it out of what it counts. A FinalizationRegistry on each buffer's memory (a view of it in
 * a socket's queue keeps it alive) counts it out once collected, so a buffer a failed transfer
 * never gave back is counted out too.
 */
export class FrameBuffers {
  static readonly SIZE = FRAME_HEADER + FRAME_PLAINTEXT_MAX + FRAME_TAG;
  private free: Buffer[] = [];
  private lastTake = 0;
  private timer?: NodeJS.Timeout;
  private allocated = 0;
  private readonly alive = new FinalizationRegistry<void>(() => void this.allocated--);

  constructor(
    private readonly keep = 32,
    private readonly idleMs = 10_000,
  ) {}

  take(): Buffer {
    this.lastTake = Date.now();
    return this.free.pop() ?? this.allocate();
  }

  get liveBytes(): number {
    return this.allocated * FrameBuffers.SIZE;
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
    this.timer ??= setTimeout(() => this.dropIfIdle(), this.idleMs).unref();
  }

  private allocate(): Buffer {
    const buffer = Buffer.allocUnsafeSlow(FrameBuffers.SIZE);
    this.allocated++;
    this.alive.register(buffer.buffer, undefined);
    return buffer;
  }

  private dropIfIdle(): void {
    this.timer = undefined;
    if (Date.now() - this.lastTake >= this.idleMs) this.free = [];
    else if (this.free.length > 0) this.timer = setTimeout(() => this.dropIfIdle(), this.idleMs).unref();
  }
}

/** The frame buffers of this process's file transfers, both ways. */
export const frameBuffers = new FrameBuffers();
