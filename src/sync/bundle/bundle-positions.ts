import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../../core/errors/app-error';
import { timestampText } from '../../core/sync-kernel/sql';
import { LocalIdentity } from '../../node-trust/identity/local-identity';
import { ExportWindows } from '../export/export-windows';
import { SyncLogs } from '../pull/sync-logs';
import { cursorSnapshot, decodeCursor } from '../shared/tokens';
import { BundlePeers } from './bundle-peers';
import { snapshotCovers } from './snapshot-order';

export type { BundleAck, BundlePosition as BundlePositionView } from '../../../client/src/types';
import type { BundleAck, BundleAckResult, BundlePosition as BundlePositionView } from '../../../client/src/types';

export interface AckBody {
  format: 'prism-bundle-ack';
  version: 1;
  /** The node that applied the bundle (signs the ack). */
  from: { nodeId: string; fingerprint: string };
  /** The exporter whose position it confirms. */
  to: { fingerprint: string };
  /** The exporter's change-feed cursor the importer has applied up to. */
  cursor: string;
  acknowledgedAt: string;
}

/** Whether the recorded cursor is at or beyond `next` (a cursor of another database covers nothing). */
function covers(recorded: string, next: ReturnType<typeof decodeCursor>): boolean {
  const decoded = decodeCursor(recorded);
  return decoded.db === next.db && snapshotCovers(cursorSnapshot(decoded), cursorSnapshot(next));
}

/**
 * Where each peer stands with this node's change feed, for offline bundles. Exporter side: the
 * position a peer confirmed (an acknowledgement file, or the cursor of its next online manifest),
 * moved only forward; the next bundle for it starts there. Importer side: the signed
 * acknowledgement of what this node applied from a peer (its last completed pull or bundle).
 */
@Injectable()
export class BundlePositions {
  private dbId?: Promise<string>;
  /** Per peer, the position this process last read or wrote (acknowledge moves it from there). */
  private readonly lastSeen = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly windows: ExportWindows,
    private readonly peers: BundlePeers,
    private readonly identity: LocalIdentity,
    private readonly logs: SyncLogs,
  ) {}

  /** This database's identity (cursors name it), read once: a replaced database means a restarted node. */
  private databaseIdentity(): Promise<string> {
    this.dbId ??= this.windows.databaseIdentity();
    this.dbId.catch(() => (this.dbId = undefined));
    return this.dbId;
  }

  async get(remoteNodeId: string): Promise<BundlePositionView | undefined> {
    const rows: BundlePositionView[] = await this.dataSource.query(
      `SELECT peer_node_id AS "remoteNodeId", cursor, source, ${timestampText('acknowledged_at')} AS "acknowledgedAt" FROM bundle_positions WHERE peer_node_id = $1`,
      [remoteNodeId],
    );
    return rows[0];
  }

  async list(): Promise<BundlePositionView[]> {
    return this.dataSource.query(
      `SELECT peer_node_id AS "remoteNodeId", cursor, source, ${timestampText('acknowledged_at')} AS "acknowledgedAt" FROM bundle_positions ORDER BY acknowledged_at DESC`,
    );
  }

  /**
   * Records that `remoteNodeId` has applied this node's feed up to `cursor`, when that is beyond
   * what is recorded (a position never moves back). Cursors of another database are ignored.
   * Returns whether it moved. Every pull moves its peer's position, a no-op too: from the position
   * this node last saw recorded it moves in one statement, a compare-and-set (moveFrom), and takes
   * the long way (read, compare, write) only when another writer has moved it since.
   */
  async acknowledge(remoteNodeId: string, cursor: string, source: 'ack' | 'pull'): Promise<boolean> {
    const decoded = decodeCursor(cursor);
    if (decoded.db !== (await this.databaseIdentity())) return false;
    const seen = this.lastSeen.get(remoteNodeId);
    if (seen !== undefined) {
      // A position only moves forward: one at or beyond what was seen is at or beyond this cursor too.
      if (covers(seen, decoded)) return false;
      if (await this.write(remoteNodeId, cursor, source, seen)) return this.saw(remoteNodeId, cursor, true);
    }
    const current = await this.get(remoteNodeId);
    if (current && covers(current.cursor, decoded)) return this.saw(remoteNodeId, current.cursor, false);
    await this.write(remoteNodeId, cursor, source);
    return this.saw(remoteNodeId, cursor, true);
  }

  private saw(remoteNodeId: string, cursor: string, moved: boolean): boolean {
    this.lastSeen.set(remoteNodeId, cursor);
    return moved;
  }

  /**
   * Writes the position; with `moveFrom`, only over that recorded cursor (or none): whether it wrote.
   * A pull's position is committed without waiting for the WAL flush (every pull moves it, a no-op
   * too): if a crash loses it, the next bundle starts from the position before and brings a little
   * more, applied idempotently. A signed acknowledgement file is durable.
   */
  private async write(remoteNodeId: string, cursor: string, source: 'ack' | 'pull', moveFrom?: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO bundle_positions (peer_node_id, cursor, source, acknowledged_at) VALUES ($1, $2, $3, clock_timestamp())
       ON CONFLICT (peer_node_id) DO UPDATE SET cursor = excluded.cursor, source = excluded.source, acknowledged_at = excluded.acknowledged_at
       ${moveFrom === undefined ? '' : 'WHERE bundle_positions.cursor = $4'}
       RETURNING ${source === 'pull' ? `set_config('synchronous_commit', 'off', true)` : '1'}`,
      moveFrom === undefined ? [remoteNodeId, cursor, source] : [remoteNodeId, cursor, source, moveFrom],
    );
    return rows.length === 1;
  }

  /** Exporter: an acknowledgement file from a peer, verified (signer, recipient, cursor of this database), moves its position. */
  async accept(input: BundleAck): Promise<BundleAckResult> {
    let body: AckBody;
    try {
      body = JSON.parse(typeof input?.ack === 'string' ? input.ack : '') as AckBody;
    } catch (error) {
      throw new AppError(400, 'ERR_BUNDLE_MALFORMED', 'the acknowledgement is not a signed PRISM bundle acknowledgement', { cause: error });
    }
    if (body?.format !== 'prism-bundle-ack' || body.version !== 1 || typeof body.cursor !== 'string' || typeof body.from?.fingerprint !== 'string') {
      throw new AppError(400, 'ERR_BUNDLE_MALFORMED', 'the acknowledgement is not a signed PRISM bundle acknowledgement');
    }
    this.peers.assertAddressedHere(body.to?.fingerprint);
    const { node } = await this.peers.signer(body.from.fingerprint, input.ack, input.signature);
    const cursor = decodeCursor(body.cursor);
    if (cursor.db !== (await this.databaseIdentity())) {
      throw new AppError(400, 'ERR_BUNDLE_MALFORMED', 'the acknowledged position belongs to another database of this node (restored or replaced): export a full bundle');
    }
    const moved = await this.acknowledge(node.id, body.cursor, 'ack');
    return { remoteNodeId: node.id, moved, position: (await this.get(node.id))! };
  }

  /**
   * Importer: the signed acknowledgement of how far this node has applied `peer`'s feed (its last
   * completed pull or bundle), for the exporter to move its position. Undefined before any.
   */
  async acknowledgementFor(remoteNodeId: string): Promise<BundleAck | undefined> {
    const { node } = await this.peers.recipient(remoteNodeId);
    const last = await this.logs.lastCompletedPull(remoteNodeId);
    if (!last?.cursorTo) return undefined;
    const body: AckBody = {
      format: 'prism-bundle-ack',
      version: 1,
      from: { nodeId: this.identity.nodeId, fingerprint: this.identity.fingerprint },
      to: { fingerprint: node.certificateFingerprint ?? '' },
      cursor: last.cursorTo,
      acknowledgedAt: new Date().toISOString(),
    };
    const ack = JSON.stringify(body);
    return { ack, signature: this.identity.sign(ack) };
  }
}
