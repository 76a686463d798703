import { EnvReader } from './env-reader';

export interface SyncConfig {
  /** Rows per export page served to peers when the peer does not ask for a size. */
  defaultPageSize: number;
  /** Largest page a peer may ask for. */
  maxPageSize: number;
  /** Page size this node asks for when it pulls. */
  pullPageSize: number;
  /**
   * Window pages in PostgreSQL's COPY text format (streamed, never parsed) when both nodes have it;
   * false: this node neither asks for nor serves them (JSON pages).
   */
  copyPages: boolean;
  /** Idle seconds after which a served export window (held snapshot) is released. */
  windowIdleSeconds: number;
  /** Largest file served in the reference's base64-JSON form. */
  base64FileMaxBytes: number;
  /** File bytes held at once by base64 answers being built or sent (concurrent requests beyond: 503). */
  base64InFlightBytes: number;
  /** Export windows held at once (each pins a database connection). */
  maxExportWindows: number;
  /** Share of DB_POOL_SIZE export windows may pin, in percent (caps maxExportWindows). */
  windowPoolSharePercent: number;
  /** HTTP timeout of one request to a peer, in milliseconds. */
  peerTimeoutMs: number;
  /** Largest JSON answer read from a peer (a larger one fails the call): what one peer can make this node hold. */
  peerAnswerMaxBytes: number;
  /**
   * A proxy is set for outgoing HTTP (http_proxy, https_proxy, all_proxy, any case): axios goes
   * through it, the node's own file stream client (StreamedGet) cannot, so file streams use axios too.
   */
  peerProxy: boolean;
  /** Attempts for a transient failure (429, 503, reset, timeout) before a pull fails. */
  retryAttempts: number;
  /** File transfers a pull keeps in flight at once. */
  fileConcurrency: number;
  /** Page requests a pull keeps in flight at once (feeds, and a feed's parts where the peer serves them). */
  pageConcurrency: number;
  /** Page reads (single pages and batches) one peer may have in progress here at once; beyond: 503, retryable. */
  pageReadsPerPeer: number;
  /** Staging directory for pulls (default DATA_DIR/staging). */
  stagingDir?: string;
  /** Largest offline bundle file accepted for import (bytes). */
  bundleMaxBytes: number;
  /**
   * Largest difference between this node's clock and a peer's that a pull accepts (newer-wins
   * compares the two clocks); also how far in the future a row's updated_at may be.
   */
  maxClockSkewSeconds: number;
  /**
   * How a pull's apply checks the foreign keys of the rows it writes. `auto`: where the database
   * role may set session_replication_role (superuser, or PG 15+ `GRANT SET ON PARAMETER`), the
   * inserts and updates skip the per-row RI triggers and every foreign key is checked once, set-based,
   * before the commit; elsewhere as `deferred`. `deferred`: PostgreSQL's deferred per-row checks at commit.
   */
  applyForeignKeyCheck: 'auto' | 'deferred';
  /** Minutes between sweeps of the content store for files no row references any more (0: never). */
  fileSweepMinutes: number;
  /** Days a tombstone is kept before it is purged (0: forever); peers behind the purge get ERR_BEHIND_HORIZON. */
  tombstoneRetentionDays: number;
  /** Minutes between purges of tombstones older than the retention (0: never). */
  tombstonePurgeMinutes: number;
  /** Scheduled pulls: how often the scheduler looks for due connections, and its backoff and pause rules. */
  schedule: ScheduleConfig;
  /**
   * Seconds a pull from a reference-protocol peer re-reads before its watermark: the reference's
   * `since` cannot see rows committed late with an older updated_at; re-reading is harmless.
   */
  referenceOverlapSeconds: number;
  /** Idle seconds before the snapshot a reference client's pull reads is released (it never closes it). */
  referenceWindowIdleSeconds: number;
}

export interface ScheduleConfig {
  /** Seconds between the scheduler's looks for due connections; 0 turns the scheduler off on this replica. */
  tickSeconds: number;
  /** First wait after a failed scheduled pull; doubles per failure in a row (with jitter). */
  backoffBaseSeconds: number;
  /** Longest wait between retries of a failing connection. */
  backoffMaxSeconds: number;
  /** Permanent failures in a row (revoked, capability, schema…) after which a schedule pauses. */
  pauseAfter: number;
}

export function readSyncConfig(env: EnvReader): SyncConfig {
  return {
    defaultPageSize: env.int('SYNC_DEFAULT_PAGE_SIZE', 'rows per export page when a peer gives no pageSize', 100, 1, 100000),
    maxPageSize: env.int('SYNC_MAX_PAGE_SIZE', 'largest export page a peer may ask for', 10000, 1, 100000),
    pullPageSize: env.int('SYNC_PULL_PAGE_SIZE', 'page size this node asks for when pulling', 5000, 1, 100000),
    copyPages: env.bool('SYNC_COPY_PAGES', 'window pages as PostgreSQL COPY text, streamed, when the peer has them too (false: JSON pages only)', true),
    windowIdleSeconds: env.int('SYNC_WINDOW_IDLE_SECONDS', 'idle seconds before a served export window is released', 300, 5, 86400),
    base64FileMaxBytes: env.int('SYNC_BASE64_FILE_MAX_BYTES', 'largest file served as base64 JSON', 50 * 1024 * 1024, 1),
    base64InFlightBytes: env.int('SYNC_BASE64_IN_FLIGHT_BYTES', 'file bytes held at once by base64 file answers (others get 503 and retry)', 64 * 1024 * 1024, 1),
    maxExportWindows: env.int('SYNC_MAX_EXPORT_WINDOWS', 'export windows (pulls served) held at once', 8, 1, 200),
    windowPoolSharePercent: env.int('SYNC_WINDOW_POOL_SHARE_PERCENT', 'share of DB_POOL_SIZE that export windows may pin, in percent', 50, 1, 90),
    peerTimeoutMs: env.int('SYNC_PEER_TIMEOUT_MS', 'timeout of one request to a peer (ms)', 60000, 100),
    peerAnswerMaxBytes: env.int(
      'SYNC_PEER_ANSWER_MAX_BYTES',
      'largest JSON answer read from a peer, in bytes (a larger one fails the call with ERR_PEER_ANSWER_TOO_LARGE); a reference peer sends a recording as base64 JSON, ~1.8× its size',
      256 * 1024 ** 2,
      1024 ** 2,
    ),
    peerProxy: env.anySet(['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']),
    retryAttempts: env.int('SYNC_RETRY_ATTEMPTS', 'attempts for a transient peer error before the pull fails', 5, 1, 50),
    fileConcurrency: env.int('SYNC_FILE_CONCURRENCY', 'file transfers a pull keeps in flight at once', 8, 1, 32),
    pageConcurrency: env.int('SYNC_PAGE_CONCURRENCY', 'page requests a pull keeps in flight at once (a feed\'s tables side by side where the peer serves copy-parts)', 3, 1, 16),
    pageReadsPerPeer: env.int('SYNC_PAGE_READS_PER_PEER', 'window page reads one peer may have in progress on this node at once (beyond: 503, retryable)', 4, 1, 64),
    stagingDir: env.optional('SYNC_STAGING_DIR', 'staging directory for pulls (default DATA_DIR/staging); on the file store\'s filesystem, received files are linked into the store, elsewhere copied'),
    bundleMaxBytes: env.int('SYNC_BUNDLE_MAX_BYTES', 'largest offline bundle file accepted by POST /api/sync/bundles/import (bytes)', 20 * 1024 ** 3, 1024),
    schedule: {
      tickSeconds: env.int('SYNC_SCHEDULER_TICK_SECONDS', 'seconds between the scheduler\'s looks for due scheduled pulls (0: no scheduler on this replica)', 5, 0, 3600),
      backoffBaseSeconds: env.int('SYNC_SCHEDULE_BACKOFF_BASE_SECONDS', 'first wait after a failed scheduled pull, doubled per failure in a row', 30, 1, 86400),
      backoffMaxSeconds: env.int('SYNC_SCHEDULE_BACKOFF_MAX_SECONDS', 'longest wait between retries of a failing scheduled connection', 3600, 1, 604800),
      pauseAfter: env.int('SYNC_SCHEDULE_PAUSE_AFTER', 'permanent failures in a row (revoked, capability, schema) that pause a schedule', 3, 1, 100),
    },
    referenceOverlapSeconds: env.int(
      'SYNC_REFERENCE_OVERLAP_SECONDS',
      'seconds a pull from a reference-protocol peer re-reads before its watermark (late commits older than this can be missed)',
      3600,
      0,
      30 * 86400,
    ),
    referenceWindowIdleSeconds: env.int(
      'SYNC_REFERENCE_WINDOW_IDLE_SECONDS',
      'idle seconds before the snapshot a reference client pulls from is released',
      30,
      5,
      86400,
    ),
    maxClockSkewSeconds: env.int(
      'SYNC_MAX_CLOCK_SKEW_SECONDS',
      "largest clock difference with a peer a pull accepts (ERR_CLOCK_SKEW), and how far in the future a row's updated_at may be",
      120,
      1,
      86400,
    ),
    applyForeignKeyCheck: env.oneOf(
      'SYNC_APPLY_FK_CHECK',
      "how a pull's apply checks foreign keys: auto (set-based before the commit where the database role may set session_replication_role, else deferred) or deferred (per row at commit)",
      ['auto', 'deferred'] as const,
      'auto',
    ),
    tombstoneRetentionDays: env.int('SYNC_TOMBSTONE_RETENTION_DAYS', 'days a tombstone (a delete to pass on) is kept; peers that last pulled before a purged one must resync fully (0: forever)', 180, 0, 36500),
    tombstonePurgeMinutes: env.int('SYNC_TOMBSTONE_PURGE_MINUTES', 'minutes between purges of tombstones older than SYNC_TOMBSTONE_RETENTION_DAYS (0: never)', 60, 0, 10080),
    fileSweepMinutes: env.int('SYNC_FILE_SWEEP_MINUTES', 'minutes between sweeps of recording files no row references any more (0: never)', 60, 0, 10080),
  };
}
