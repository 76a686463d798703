import { createHash, randomUUID } from 'node:crypto';
import { finished, Readable } from 'node:stream';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config';
import { AppError } from '../../core/errors/app-error';
import { inSnapshot } from '../../core/database/transaction';
import { EMPTY_SNAPSHOT } from '../../core/sync-kernel/sql';
import { decodeWindow, encodeToken, WindowToken } from '../shared/tokens';

interface HeldWindow {
  id: string;
  /** The node the window serves; its next manifest replaces it (a peer pulls once at a time). */
  peer: string;
  token: WindowToken;
  runner: QueryRunner;
  idleTimer?: NodeJS.Timeout;
  expiresAt: Date;
  /** Idle seconds before it is released. */
  idleSeconds: number;
  /** What the manifest counted in the window's snapshot, per table (WindowCounts). */
  counts?: WindowCounts;
}

/**
 * Rows and tombstones per table in a window, as its manifest counted them in the window's own
 * snapshot: exact for every read of that window, so a page read may take a table's count from here
 * instead of counting it again (first-pages.ts). Kept only by the node that holds the window.
 */
export interface WindowCounts {
  rows: ReadonlyMap<string, number>;
  tombstones: ReadonlyMap<string, number>;
}

/** The database's identity (a value expression): a cursor of another database (restored, replaced) is told apart. */
export const DATABASE_IDENTITY_SQL = `SELECT oid::text || ':' || datname FROM pg_database WHERE datname = current_database()`;

/**
 * The snapshot id of a window that holds nothing (no change since the cursor): no snapshot is
 * exported or held, its pages are empty, closing it does nothing. Never an id PostgreSQL gives
 * (those are "XXXXXXXX-XXXXXXXX-N").
 */
export const EMPTY_WINDOW_SNAPSHOT = '0';

/** The application_name of a window's transaction: its peer, hashed (names are at most 63 bytes). */
export function windowOwnerName(peer: string): string {
  return `prism-window:${createHash('sha256').update(peer).digest('hex').slice(0, 40)}`;
}

/** A lower bound given as a bare xid ("every xid from there on") as the pg_snapshot that means the same. */
function asSnapshot(from: string): string {
  if (!/^\d+$/.test(from)) return from;
  return BigInt(from) <= 1n ? EMPTY_SNAPSHOT : `${from}:${from}:`;
}

/**
 * Export windows: a pull reads every page from ONE exported snapshot, held open by the node that
 * served the manifest (REPEATABLE READ, READ ONLY). Page reads, on any replica, attach to it with
 * SET TRANSACTION SNAPSHOT. A window is released when the puller closes it, after
 * SYNC_WINDOW_IDLE_SECONDS without a page, or at shutdown; pages of a released window get 410.
 */
@Injectable()
export class ExportWindows implements OnApplicationShutdown {
  private readonly logger = new Logger(ExportWindows.name);
  private readonly windows = new Map<string, HeldWindow>();
  /** Peers whose window is being opened: reserved synchronously, so checks and opens are atomic. */
  private readonly opening = new Set<string>();
  /** The most windows held at once: each pins a pool connection, and pages need others. */
  readonly maxWindows: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    const poolShare = Math.floor((config.database.poolSize * config.sync.windowPoolSharePercent) / 100);
    this.maxWindows = Math.max(1, Math.min(config.sync.maxExportWindows, poolShare));
  }

  /** The database's identity, so cursors of another database are recognised. */
  async databaseIdentity(): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(`SELECT (${DATABASE_IDENTITY_SQL}) AS id`);
    return rows[0].id;
  }

  /**
   * Releases the windows a peer holds: its manifest that needed no window (nothing changed) replaces
   * them as a new window would.
   */
  async releaseFor(peer: string): Promise<void> {
    await Promise.all([...this.windows.values()].filter((w) => w.peer === peer).map((w) => this.release(w)));
  }

  /**
   * Opens a window after `fromSnapshot` (pg_snapshot text) and runs `describe` inside its snapshot (counts for the
   * manifest). Returns the window token and what `describe` returned.
   */
  async open<T>(
    fromSnapshot: string,
    peer: string,
    describe: (runner: QueryRunner, token: WindowToken) => Promise<T>,
    options: { idleSeconds?: number; counts?: (result: T) => WindowCounts } = {},
  ): Promise<{ token: string; window: WindowToken; expiresAt: Date; result: T }> {
    // Every check and the reservation happen before the first await: concurrent manifests see
    // each other, so a peer holds at most one window and the cap holds.
    const previous = [...this.windows.values()].filter((w) => w.peer === peer);
    if (this.opening.has(peer)) throw this.busy('a window for this peer is being opened', 1);
    if (this.windows.size - previous.length + this.opening.size >= this.maxWindows) {
      throw this.busy(`this node already serves ${this.maxWindows} pulls; retry shortly`, 5);
    }
    this.opening.add(peer);
    let runner: QueryRunner | undefined;
    try {
      await Promise.all(previous.map((w) => this.release(w)));
      runner = this.dataSource.createQueryRunner();
      await runner.connect();
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The transaction says whose window it is: replicas that do not hold it check page reads against it.
      await runner.query(`SELECT set_config('application_name', $1, true)`, [windowOwnerName(peer)]);
      const [row]: { snapshot: string; current: string; db: string }[] = await runner.query(
        `SELECT pg_export_snapshot() AS snapshot, pg_current_snapshot()::text AS current, (${DATABASE_IDENTITY_SQL}) AS db`,
      );
      const token: WindowToken = { v: 1, snapshot: row.snapshot, from: asSnapshot(fromSnapshot), to: row.current, db: row.db };
      const result = await describe(runner, token);
      const held: HeldWindow = {
        id: randomUUID(),
        peer,
        token,
        runner,
        expiresAt: new Date(),
        idleSeconds: options.idleSeconds ?? this.config.sync.windowIdleSeconds,
        counts: options.counts?.(result),
      };
      this.windows.set(row.snapshot, held);
      this.touch(held);
      return { token: encodeToken(token), window: token, expiresAt: held.expiresAt, result };
    } catch (error) {
      await runner?.query('ROLLBACK').catch(() => undefined);
      await runner?.release().catch(() => undefined);
      throw error;
    } finally {
      this.opening.delete(peer);
    }
  }

  private busy(message: string, retryAfter: number): AppError {
    return new AppError(503, 'ERR_TOO_MANY_WINDOWS', message, { retryable: true, retryAfter });
  }

  /**
   * Runs `read` in a read-only transaction attached to the window's snapshot. With `caller` (the
   * verified node of the session asking), a window this node holds for another peer reads as
   * unknown (410): a window stays bound to the peer that opened it, whichever of its sessions asks
   * (a puller that resumes after a restart shakes hands anew), never to whoever names its token.
   */
  async read<T>(encoded: string, read: (runner: QueryRunner, token: WindowToken) => Promise<T>, caller?: string): Promise<T> {
    const leave = this.enterRead(caller);
    try {
      const token = await this.touchWindow(encoded, caller);
      return await inSnapshot(this.dataSource, async (runner) => {
        await this.attach(runner, token);
        return read(runner, token);
      });
    } finally {
      leave();
    }
  }

  /** Page reads in progress per peer (read and stream, until the answer's body ends). */
  private readonly reading = new Map<string, number>();

  /**
   * Counts a page read of `caller` until the returned function is called: each takes a pool
   * connection for its transaction, so one peer may have at most SYNC_PAGE_READS_PER_PEER at once
   * (a pull keeps SYNC_PAGE_CONCURRENCY in flight, within it); beyond, 503 ERR_NODE_BUSY, retryable.
   */
  private enterRead(caller: string | undefined): () => void {
    if (caller === undefined) return () => undefined;
    const now = this.reading.get(caller) ?? 0;
    if (now >= this.config.sync.pageReadsPerPeer) {
      throw new AppError(503, 'ERR_NODE_BUSY', `this peer already has ${now} page reads in progress here; retry shortly`, { retryable: true, retryAfter: 1 });
    }
    this.reading.set(caller, now + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (this.reading.get(caller) ?? 1) - 1;
      if (n > 0) this.reading.set(caller, n);
      else this.reading.delete(caller);
    };
  }

  /**
   * Like read, for an answer that streams from the window's transaction (`open` returns its
   * `body`): the transaction stays open until the body has been read to its end, then ends and
   * hands its connection back; a body cut short (the peer went away mid-COPY) destroys the
   * connection instead, which may be in the middle of a statement.
   */
  async stream<T extends { body: Readable }>(encoded: string, open: (runner: QueryRunner, token: WindowToken) => Promise<T>, caller?: string): Promise<T> {
    const leave = this.enterRead(caller);
    let answer: T;
    let runner: QueryRunner | undefined;
    try {
      const token = await this.touchWindow(encoded, caller);
      runner = this.dataSource.createQueryRunner();
      await runner.connect();
      await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await this.attach(runner, token);
      answer = await open(runner, token);
    } catch (error) {
      await runner?.query('ROLLBACK').catch(() => undefined);
      await runner?.release();
      leave();
      throw error;
    }
    const held = runner;
    // TypeORM's release with an error makes the pool drop the connection rather than reuse it.
    const discard = (error: Error) => void (held as unknown as { releasePostgresConnection(error: Error): Promise<void> }).releasePostgresConnection(error);
    finished(answer.body, (error) => {
      leave();
      if (error) return discard(error);
      held.query('ROLLBACK').then(() => held.release(), discard);
    });
    return answer;
  }

  /**
   * The window's token as it was opened (a held window's bounds, not the ones the caller's token
   * says), its idle time restarted. A window another replica holds is checked against the name its
   * transaction carries (windowOwnerName), found through the virtual xid the snapshot id names.
   */
  private async touchWindow(encoded: string, caller?: string): Promise<WindowToken> {
    const token = decodeWindow(encoded);
    const held = this.windows.get(token.snapshot);
    if (held && caller !== undefined && held.peer !== caller) throw this.expired();
    if (!held && caller !== undefined && (await this.ownerElsewhere(token.snapshot)) !== windowOwnerName(caller)) throw this.expired();
    if (!held) return token;
    this.touch(held);
    return held.token;
  }

  /** The application_name of the transaction that exported `snapshot` ("<backend>-<lxid>-<n>", hex), if it still runs. */
  private async ownerElsewhere(snapshot: string): Promise<string | undefined> {
    const [backend, lxid] = snapshot.split('-').map((part) => Number.parseInt(part, 16));
    if (!Number.isSafeInteger(backend) || !Number.isSafeInteger(lxid)) return undefined;
    const rows: { owner: string }[] = await this.dataSource.query(
      `SELECT a.application_name AS owner FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'virtualxid' AND l.virtualxid = $1 AND l.granted`,
      [`${backend}/${lxid}`],
    );
    return rows[0]?.owner;
  }

  private async attach(runner: QueryRunner, token: WindowToken): Promise<void> {
    try {
      await runner.query(`SET TRANSACTION SNAPSHOT '${token.snapshot}'`);
    } catch (error) {
      throw this.expired(error);
    }
  }

  private expired(cause?: unknown): AppError {
    return new AppError(410, 'ERR_WINDOW_EXPIRED', 'the export window of this pull is no longer held by the source; start the pull again', { cause });
  }

  /** What the manifest counted in the window, when this node holds it (a replica that does not: undefined). */
  countsOf(token: WindowToken): WindowCounts | undefined {
    const held = this.windows.get(token.snapshot);
    return held && held.token.from === token.from ? held.counts : undefined;
  }

  /** The window is still held (not released, idled out or lost to a restart). */
  holds(encoded: string): boolean {
    return this.windows.has(decodeWindow(encoded).snapshot);
  }

  /** Releases a window (the puller finished fetching). Unknown windows, and another peer's, are ignored. */
  async close(encoded: string, caller?: string): Promise<boolean> {
    const token = decodeWindow(encoded);
    const held = this.windows.get(token.snapshot);
    if (!held || (caller !== undefined && held.peer !== caller)) return false;
    await this.release(held);
    return true;
  }

  get openCount(): number {
    return this.windows.size;
  }

  private touch(held: HeldWindow): void {
    clearTimeout(held.idleTimer);
    const idleMs = held.idleSeconds * 1000;
    held.expiresAt = new Date(Date.now() + idleMs);
    held.idleTimer = setTimeout(() => {
      this.logger.warn(`export window ${held.id} idle for ${held.idleSeconds}s: released`);
      void this.release(held);
    }, idleMs);
    held.idleTimer.unref();
  }

  private async release(held: HeldWindow): Promise<void> {
    if (this.windows.get(held.token.snapshot) !== held) return;
    this.windows.delete(held.token.snapshot);
    clearTimeout(held.idleTimer);
    await held.runner.query('ROLLBACK').catch(() => undefined);
    await held.runner.release().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.windows.values()].map((w) => this.release(w)));
  }
}
