import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config';
import { PeriodicTask } from '../../core/periodic-task';
import { KeptStagings, stagingRootOf } from '../pull/kept-staging';
import { SyncLock } from '../pull/sync-lock';
import { SyncedFiles } from './synced-files.port';

/**
 * The scheduled sweep of the content store: files whose last referencing row was deleted (locally,
 * or by a pull) are collected by the one collector (SyncedFiles.collectGarbage). It runs only while
 * it holds the sync lock, so it never races an apply, nor a pull's files stored but not yet
 * committed; when a sync runs, this round is skipped. Files a kept staging stored (a pull that
 * failed mid-fetch, to be continued) are spared while it is kept. Every SYNC_FILE_SWEEP_MINUTES (0: never).
 */
@Injectable()
export class FileSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly ticker = new PeriodicTask('file sweep', new Logger(FileSweep.name));
  private readonly kept: KeptStagings;

  constructor(
    private readonly files: SyncedFiles,
    private readonly lock: SyncLock,
    private readonly config: AppConfig,
  ) {
    this.kept = new KeptStagings(stagingRootOf(config), files);
  }

  onApplicationBootstrap(): void {
    this.ticker.start(this.config.sync.fileSweepMinutes * 60_000, () => this.run());
  }

  onApplicationShutdown(): Promise<void> {
    return this.ticker.stop();
  }

  /** One sweep; false when a sync held the lock (nothing done). */
  async run(): Promise<boolean> {
    const lock = await this.lock.tryAcquire('file-sweep');
    if (!lock) return false;
    try {
      // A kept staging's files wait for the pull that continues it, until its window would have expired.
      await this.kept.dropExpired();
      const kept = this.kept.protectedFiles();
      await this.files.collectGarbage((await this.files.storedHashes()).filter((f) => !kept.has(f)));
      return true;
    } finally {
      await this.lock.release(lock);
    }
  }
}
