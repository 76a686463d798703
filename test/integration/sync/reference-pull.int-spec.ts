import request from 'supertest';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { certificateFingerprint } from '../../../src/node-trust/crypto/certificates';
import { LocalIdentity } from '../../../src/node-trust/identity/local-identity';
import { BULK_HTTP_ENV, buildDatasetOverHttp, Dataset } from '../../support/dataset';
import { ReferenceClient } from '../../support/reference-peer/reference-client';
import { REF_LEVEL, REF_STATUS, ReferencePeer } from '../../support/reference-peer/reference-peer';
import { REFERENCE_FEEDS, referenceIdentity } from '../../support/reference-peer/reference-wire';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';

const OVERLAP_SECONDS = 60;

/**
 * This node pulls from a node that speaks only the reference protocol (issue #16 item 1): the
 * SyncSaga falls back to since/page when the peer opens no window; rows and files arrive through
 * the same staging and one-transaction apply; incremental with an overlap; a failure mid-pull
 * leaves this node unchanged; the connection shows the negotiated protocol and its limit.
 */
describe('pulling from a reference-protocol peer', () => {
  let source: TestNode;
  let dataset: Dataset;
  let peer: ReferencePeer;
  let node: TestNode;
  let admin: string;
  let connectionId: string;

  /**
   * Every synced table's rows without node-local columns, by key: what both nodes must agree on.
   * The file's content type is not on the reference's wire (its file route says application/octet-stream).
   */
  async function content(of: TestNode): Promise<Record<string, unknown[]>> {
    const catalog = of.app.get(SyncCatalog);
    const result: Record<string, unknown[]> = {};
    for (const model of catalog.tables()) {
      const order = model.key.map((k) => `"${k}"`).join(', ');
      const rows: { j: unknown }[] = await of.dataSource.query(
        `SELECT to_jsonb(t) - 'change_xid' - 'origin_node_id' - 'file_url' - 'file_content_type' - 'research_node_id' AS j FROM "${model.table}" t ORDER BY ${order}`,
      );
      result[model.table] = rows.map((r) => r.j);
    }
    return result;
  }

  const pull = () => request(node.url).post('/api/sync/pull').set(bearer(admin)).send({ remoteNodeId: connectionId });

  beforeAll(async () => {
    source = await startTestNode({ NODE_ID: 'prism-origin', NODE_NAME: 'Origin', ...BULK_HTTP_ENV });
    dataset = await buildDatasetOverHttp(source, await loginAsAdmin(source));
    // The reference peer holds the origin's data in the reference's shape (read over the reference protocol).
    const reader = new ReferenceClient(source.url, referenceIdentity('reference-reader'));
    const registration = await reader.register(REF_LEVEL.ReadWrite);
    await source.app.get(NodeRegistryService).update(String(registration.registrationId), { status: AuthorizationStatus.Authorized, nodeAccessLevel: NodeAccessLevelName.ReadWrite });
    await reader.pull();
    peer = await ReferencePeer.start('reference-node');
    for (const feed of REFERENCE_FEEDS) peer.load(feed.route, [...reader.store.get(feed.route)!.values()]);
    for (const [id, content] of reader.files) peer.files.set(id, content);

    node = await startTestNode({ NODE_ID: 'prism-puller', NODE_NAME: 'Puller', SYNC_REFERENCE_OVERLAP_SECONDS: String(OVERLAP_SECONDS), SYNC_RETRY_ATTEMPTS: '1', ...BULK_HTTP_ENV });
    admin = await loginAsAdmin(node);
    // Introduced as operators do (item 2), with the certificate the reference's operator gave.
    const connected = await request(node.url)
      .post('/api/node/connect')
      .set(bearer(admin))
      .send({ nodeUrl: peer.url, certificate: peer.identity.certificateDer, requestedNodeAccessLevel: REF_LEVEL.ReadWrite });
    expect(connected.status).toBe(201);
    expect(peer.requests).toEqual(['POST /api/channel/open', 'POST /api/node/register']);
    connectionId = String(connected.body.connectionId);
    const registered = [...peer.nodes.values()];
    expect(registered).toEqual([expect.objectContaining({ status: REF_STATUS.Pending, level: REF_LEVEL.ReadWrite, certificate: node.app.get(LocalIdentity).certificateDer })]);
    // The reference's operator approves it.
    peer.authorize(registered[0].certificate, REF_LEVEL.ReadWrite);
    const [stored] = await node.dataSource.query(`SELECT certificate_fingerprint, node_name FROM research_nodes WHERE id = $1`, [connectionId]);
    expect(stored).toEqual({ certificate_fingerprint: certificateFingerprint(peer.identity.certificateDer), node_name: 'reference-node' });
  });
  afterAll(async () => {
    await peer?.close();
    await node?.close();
    await source?.close();
  });

  it('pulls every row and file, through the same staging and apply, and records the protocol', async () => {
    const res = await pull();
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(await content(node)).toEqual(await content(source));
    const [file] = await node.dataSource.query(`SELECT file_sha256, file_size_bytes FROM record_channel WHERE id = $1`, [dataset.file.recordChannelId]);
    expect(file).toEqual({ file_sha256: dataset.file.sha256, file_size_bytes: String(dataset.file.content.length) });
    const verify = await request(node.url).get('/api/sync/verify').set(bearer(admin));
    expect(verify.body.files.missing).toEqual([]);
    // Only routes the reference serves were called.
    const allowed = /^(POST \/api\/(channel\/open|node\/(identify|register|challenge|authenticate)|session\/revoke|sync\/manifest)|GET \/api\/sync\/(snomed\/[a-z-]+|volunteers|researchers|devices|research|sessions|recordings\/[^/]+\/file)(\?.*)?)$/;
    expect(peer.requests.filter((r) => !allowed.test(r))).toEqual([]);
    const log = await request(node.url).get(`/api/sync/jobs/${res.body.jobId}`).set(bearer(admin));
    expect(log.status).toBe(200);
    const nodes = await request(node.url).get('/api/node/nodes').set(bearer(admin));
    const shown = (nodes.body as { id: string; negotiatedProtocol: string; protocolLimit: string }[]).find((n) => n.id === connectionId)!;
    expect(shown.negotiatedProtocol).toBe('reference');
    expect(shown.protocolLimit).toBe('reference protocol: late commits older than the overlap can be missed');
  });

  it('a preview fetches the same way and applies nothing', async () => {
    const before = await content(node);
    const volunteer = peer.rows('volunteers')[0];
    peer.put('volunteers', [{ ...volunteer, name: 'Only previewed', updatedAt: new Date().toISOString() }]);
    const res = await request(node.url).post('/api/sync/preview').set(bearer(admin)).send({ remoteNodeId: connectionId });
    expect(res.status).toBe(200);
    expect(res.body.preview.totals.updated).toBeGreaterThanOrEqual(1);
    expect(await content(node)).toEqual(before);
  });

  it('a file whose content does not match the hash and size the peer names fails the pull, nothing applied', async () => {
    const before = await content(node);
    const session = peer.rows('sessions')[0] as { records: { recordChannels: Record<string, unknown>[] }[] };
    const channel = session.records.flatMap((r) => r.recordChannels).find((c) => c.id === dataset.file.recordChannelId)!;
    peer.put('sessions', [{ ...session, updatedAt: new Date().toISOString() }]);
    channel.fileSha256 = dataset.file.sha256;
    channel.fileSizeBytes = dataset.file.content.length;
    peer.fileOverride = (_id, content) => Buffer.concat([content.subarray(0, content.length - 1), Buffer.from('X')]);
    try {
      const res = await pull();
      expect([res.status, res.body.error]).toEqual([502, 'ERR_FILE_CHECKSUM_MISMATCH']);
      expect(await content(node)).toEqual(before);
    } finally {
      peer.fileOverride = undefined;
      delete channel.fileSha256;
      delete channel.fileSizeBytes;
    }
  });

  it('pulls incrementally from the last watermark minus the overlap', async () => {
    const [history] = (await node.dataSource.query(`SELECT last_synced_at FROM sync_logs WHERE status = 'completed' AND kind = 'pull' ORDER BY completed_at DESC LIMIT 1`)) as { last_synced_at: Date }[];
    const volunteer = peer.rows('volunteers')[0];
    peer.put('volunteers', [{ ...volunteer, name: 'Renamed on the reference', updatedAt: new Date().toISOString() }]);
    peer.requests.length = 0;
    const res = await pull();
    expect(res.status).toBe(200);
    const since = new Date(history.last_synced_at.getTime() - OVERLAP_SECONDS * 1000).toISOString();
    expect(peer.requests).toContain(`GET /api/sync/volunteers?page=1&pageSize=5000&since=${encodeURIComponent(since)}`);
    const [row] = await node.dataSource.query(`SELECT name FROM volunteer WHERE volunteer_id = $1`, [volunteer.volunteerId]);
    expect(row.name).toBe('Renamed on the reference');
  });

  it('introduces this node to a reference node without its certificate (the reference serves no identity route)', async () => {
    const other = await ReferencePeer.start('reference-without-certificate');
    try {
      const connected = await request(node.url).post('/api/node/connect').set(bearer(admin)).send({ nodeUrl: other.url, nodeName: 'Reference B' });
      expect(connected.status).toBe(201);
      expect(other.requests).toEqual(['GET /api/node/identity', 'POST /api/channel/open', 'POST /api/node/register']);
      expect([...other.nodes.values()].map((n) => n.status)).toEqual([REF_STATUS.Pending]);
      const [stored] = await node.dataSource.query(`SELECT certificate, certificate_fingerprint, node_name FROM research_nodes WHERE id = $1`, [connected.body.connectionId]);
      expect(stored).toEqual({ certificate: '', certificate_fingerprint: null, node_name: 'Reference B' });
      const bad = await request(node.url).post('/api/node/connect').set(bearer(admin)).send({ nodeUrl: other.url, certificate: 'not a certificate' });
      expect([bad.status, bad.body.error]).toEqual([400, 'ERR_VALIDATION']);
    } finally {
      await other.close();
    }
  });

  it('a failure mid-pull leaves this node unchanged, and the log says why', async () => {
    const before = await content(node);
    const volunteer = peer.rows('volunteers')[0];
    peer.put('volunteers', [{ ...volunteer, name: 'Never applied', updatedAt: new Date().toISOString() }]);
    peer.failWhen = (r) => r.startsWith('GET /api/sync/sessions');
    try {
      const res = await pull();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await content(node)).toEqual(before);
      const [log] = await node.dataSource.query(`SELECT status, negotiated_protocol FROM sync_logs ORDER BY started_at DESC LIMIT 1`);
      expect(log).toEqual({ status: 'failed', negotiated_protocol: 'reference' });
    } finally {
      peer.failWhen = undefined;
    }
    expect((await pull()).status).toBe(200);
    const [row] = await node.dataSource.query(`SELECT name FROM volunteer WHERE volunteer_id = $1`, [volunteer.volunteerId]);
    expect(row.name).toBe('Never applied');
  });
});
