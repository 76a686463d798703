import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written inside a context carries (e.g. the sync job id). */
export interface LogContext {
  jobId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` (and everything it starts asynchronously) with `jobId` on every log line. */
export function withSyncJobContext<T>(jobId: string, work: () => T): T {
  return storage.run({ ...storage.getStore(), jobId }, work);
}

/** The current context's fields (pino `mixin`). */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
