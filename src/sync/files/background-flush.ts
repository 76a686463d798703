/**
 * Flushes files one by one as they arrive, a few at a time, in the background of the transfers
 * still running: the batch's final flush (SyncedFiles.makeDurable) then waits only for the last
 * files and the directories, instead of writing the whole batch back to disk after its last byte.
 * Few at once: every flush holds a thread of libuv's pool, which the part writes need too.
 *
 * A failed flush is only not counted: the final flush does that file again and reports the error.
 */
export class BackgroundFlush {
  /** Files whose flush completed (the final flush skips them). */
  readonly flushed = new Set<string>();
  private readonly queue: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly flush: (sha256: string) => Promise<void>,
    private readonly concurrency: number,
  ) {}

  add(sha256: string): void {
    if (this.stopped) return;
    this.queue.push(sha256);
    this.pump();
  }

  /** Starts nothing more and waits for the flushes in progress (the final flush does the rest). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const sha256 = this.queue.shift()!;
      const done: Promise<void> = this.flush(sha256).then(
        () => void this.flushed.add(sha256),
        () => undefined,
      );
      this.running.add(done);
      void done.finally(() => {
        this.running.delete(done);
        this.pump();
      });
    }
  }
}
