import { Logger } from '@nestjs/common';

/**
 * A background task run every few seconds or minutes by a node service (scheduled pulls, the file
 * sweep, the tombstone purge): never two runs at once, a failure logged and tried again at the next
 * tick, the timer never keeps the process alive, and stop() waits for a run in progress.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly label: string,
    private readonly logger: Logger,
  ) {}

  /** Runs `task` every `intervalMs`; an interval of 0 never runs it. */
  start(intervalMs: number, task: () => Promise<unknown>): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = task()
        .then(() => undefined)
        .catch((error: Error) => this.logger.warn(`${this.label} failed: ${error.message}`))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
