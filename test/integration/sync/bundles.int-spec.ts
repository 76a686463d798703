import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BUNDLE_MEDIA_TYPE } from '../../../src/sync/bundle/bundle-format';
import { SyncedFiles } from '../../../src/sync/files/synced-files.port';
import { LocalIdentity } from '../../../src/node-trust/identity/local-identity';
import { BULK_HTTP_ENV, buildDatasetOverHttp, Dataset } from '../../support/dataset';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { introduce, NodePair, pullFrom, pullOk, startPair, verify } from '../../support/two-nodes';
import { startTestNode, TestNode } from '../../support/test-node';
import { UserRole } from '../../../src/core/auth/access';
import { bearer, createUserAndLogin, loginAsAdmin } from '../../support/users';

/** Collects a binary answer into a Buffer. */
const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const parts: Buffer[] = [];
  res.on('data', (chunk: Buffer) => parts.push(chunk));
  res.on('end', () => done(null, Buffer.concat(parts)));
};

/**
 * Offline bundles between two nodes with no network between them: B writes what A's next pull
 * would bring into a file; A verifies and applies it like a pull (one transaction, newer wins,
 * sync log, cursor), refuses it replayed, tampered with, addressed to another node, from a revoked
 * node, stale or leaving a gap; A's acknowledgement (or its next online pull) moves B's position.
 */
describe('offline bundles', () => {
  let pair: NodePair;
  let dataset: Dataset;
  let dir: string;
  let first: Buffer;

  const exportFor = async (node: TestNode, token: string, remoteNodeId: string): Promise<Buffer> => {
    const res = await request(node.url).post('/api/sync/bundles/export').set(bearer(token)).send({ remoteNodeId }).buffer(true).parse(binary);
    if (res.status !== 200) throw new Error(`export failed: ${res.status} ${res.body?.toString?.('utf8')}`);
    expect(res.headers['content-type']).toContain(BUNDLE_MEDIA_TYPE);
    return res.body as Buffer;
  };
  const importInto = (node: TestNode, token: string, bundle: Buffer, preview = false) =>
    request(node.url)
      .post(`/api/sync/bundles/import${preview ? '?preview=true' : ''}`)
      .set(bearer(token))
      .set('Content-Type', BUNDLE_MEDIA_TYPE)
      .send(bundle);
  const importLogs = async (node: TestNode) =>
    (await node.dataSource.query(`SELECT kind, status, error_code, negotiated_protocol, cursor_to FROM sync_logs WHERE kind IN ('bundle_import', 'preview') ORDER BY started_at`)) as {
      kind: string;
      status: string;
      error_code: string | null;
      negotiated_protocol: string | null;
      cursor_to: string | null;
    }[];
  const manifestOf = (bundle: Buffer) => JSON.parse(bundle.toString('utf8').split('\n')[1]) as { counts: { rows: number; tombstones: number; files: number }; window: { nextCursor: string } };

  beforeAll(async () => {
    pair = await startPair({ ...BULK_HTTP_ENV, SYNC_BUNDLE_MAX_BYTES: String(2 * 1024 * 1024) });
    dataset = await buildDatasetOverHttp(pair.b, pair.adminB);
    dir = mkdtempSync(join(tmpdir(), 'prism-bundles-'));
    // No network path from A to B: any pull would fail; a bundle needs none.
    await pair.a.dataSource.query(`UPDATE research_nodes SET node_url = 'http://127.0.0.1:9' WHERE id = $1`, [pair.peerOnA]);
  });
  afterAll(async () => {
    await pair?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exports everything a first pull would bring, encrypted and signed, with a manifest in clear', async () => {
    first = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    writeFileSync(join(dir, 'first.prism-bundle'), first);
    const manifest = manifestOf(first);
    expect(manifest.counts.rows).toBeGreaterThan(20);
    expect(manifest.counts.files).toBe(1);
    // Encrypted: no row value and no file content is readable in the file.
    const email = String(dataset.rows.get('volunteer')![0].email);
    expect(first.includes(Buffer.from(email))).toBe(false);
    expect(first.includes(dataset.file.content.subarray(0, 40))).toBe(false);
    const logs = await pair.b.dataSource.query(`SELECT kind, status, negotiated_protocol FROM sync_logs WHERE kind = 'bundle_export'`);
    expect(logs).toEqual([{ kind: 'bundle_export', status: 'completed', negotiated_protocol: 'bundle' }]);
  });

  it('previews the bundle like a pull: counts, nothing applied', async () => {
    const before = await verify(pair.a, pair.adminA);
    const res = await importInto(pair.a, pair.adminA, readFileSync(join(dir, 'first.prism-bundle')), true);
    expect({ status: res.status, error: res.body.message }).toEqual({ status: 200, error: undefined });
    expect(res.body.preview).toBe(true);
    expect(res.body.summary.totals.inserted).toBe(manifestOf(first).counts.rows);
    expect(res.body.summary.files).toMatchObject({ referenced: 1, toDownload: 1, downloaded: 0 });
    expect(res.body.ack).toBeNull();
    expect((await verify(pair.a, pair.adminA)).digest).toBe(before.digest);
  });

  it('an apply that fails leaves A as it was: no row, no stored file, the sync log says rolled back', async () => {
    const before = await verify(pair.a, pair.adminA);
    await pair.a.dataSource.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await pair.a.dataSource.query(`CREATE TRIGGER test_refuse BEFORE INSERT ON record_channel FOR EACH ROW EXECUTE FUNCTION test_refuse()`);
    // ALWAYS: the apply writes rows in replica mode (set-based FK check), where ordinary triggers do not fire.
    await pair.a.dataSource.query(`ALTER TABLE record_channel ENABLE ALWAYS TRIGGER test_refuse`);
    try {
      const res = await importInto(pair.a, pair.adminA, first);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 502, error: 'ERR_APPLY_FAILED' });
    } finally {
      await pair.a.dataSource.query(`DROP TRIGGER test_refuse ON record_channel; DROP FUNCTION test_refuse()`);
    }
    expect((await verify(pair.a, pair.adminA)).digest).toBe(before.digest);
    expect(await pair.a.app.get(SyncedFiles).has(dataset.file.sha256)).toBe(false);
    expect((await importLogs(pair.a)).at(-1)).toMatchObject({ kind: 'bundle_import', status: 'rolled_back', error_code: 'ERR_APPLY_FAILED' });
  });

  it('applies the bundle in one transaction: A has exactly B\'s rows and file, the sync log says bundle', async () => {
    const res = await importInto(pair.a, pair.adminA, first);
    expect(res.status).toBe(200);
    expect(res.body.summary.totals.inserted).toBe(manifestOf(first).counts.rows);
    expect(res.body.summary.files).toMatchObject({ referenced: 1, downloaded: 1 });
    const [va, vb] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(va.digest).toBe(vb.digest);
    expect(va.files.missing).toEqual([]);
    const file = await request(pair.a.url).get(`/api/record-channels/${dataset.file.recordChannelId}/file`).set(bearer(pair.adminA)).buffer(true).parse(binary);
    expect((file.body as Buffer).equals(dataset.file.content)).toBe(true);
    const logs = await importLogs(pair.a);
    expect(logs.at(-1)).toMatchObject({ kind: 'bundle_import', status: 'completed', negotiated_protocol: 'bundle', cursor_to: manifestOf(first).window.nextCursor });
    const history = await request(pair.a.url).get('/api/sync/log').set(bearer(pair.adminA)).query({ kind: 'bundle_import' });
    expect(history.body.data.map((e: { status: string }) => e.status)).toEqual(['completed', 'rolled_back']);
  });

  it('refuses the same bundle again and changes nothing (idempotent)', async () => {
    const before = await verify(pair.a, pair.adminA);
    const logs = (await importLogs(pair.a)).length;
    const res = await importInto(pair.a, pair.adminA, first);
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('ERR_BUNDLE_ALREADY_APPLIED');
    expect((await verify(pair.a, pair.adminA)).digest).toBe(before.digest);
    expect(await importLogs(pair.a)).toHaveLength(logs);
  });

  it('refuses a bundle with any byte changed: content → tampered, manifest → bad signature', async () => {
    const content = Buffer.from(first);
    content[content.length - 100] ^= 0x01;
    const tampered = await importInto(pair.a, pair.adminA, content);
    expect(tampered.status).toBe(422);
    expect(tampered.body.error).toBe('ERR_BUNDLE_TAMPERED');

    const text = first.toString('latin1');
    const at = text.indexOf('"rows":') + 7;
    const manifest = Buffer.from(first);
    manifest[at] = manifest[at] === 0x39 ? 0x38 : manifest[at] + 1;
    const forged = await importInto(pair.a, pair.adminA, manifest);
    expect(forged.status).toBe(422);
    expect(forged.body.error).toBe('ERR_BUNDLE_SIGNATURE_INVALID');

    const truncated = await importInto(pair.a, pair.adminA, first.subarray(0, first.length - 10));
    expect(truncated.status).toBe(422);
    expect(truncated.body.error).toBe('ERR_BUNDLE_TAMPERED');

    const garbage = await importInto(pair.a, pair.adminA, Buffer.from('not a bundle at all'));
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toBe('ERR_BUNDLE_MALFORMED');
  });

  it('refuses a bundle of another protocol or schema version (signed by its exporter all the same)', async () => {
    const [magic, manifestText, , ...rest] = first.toString('latin1').split('\n');
    const resigned = (change: (m: Record<string, unknown>) => void) => {
      const manifest = JSON.parse(Buffer.from(manifestText, 'latin1').toString('utf8')) as Record<string, unknown>;
      change(manifest);
      const text = JSON.stringify(manifest);
      return Buffer.concat([Buffer.from(`${magic}\n${text}\n${pair.b.app.get(LocalIdentity).sign(text)}\n`, 'utf8'), Buffer.from(rest.join('\n'), 'latin1')]);
    };
    const schema = await importInto(pair.a, pair.adminA, resigned((m) => (m.schemaVersion = 'another-schema')));
    expect({ status: schema.status, error: schema.body.error }).toEqual({ status: 409, error: 'ERR_SCHEMA_MISMATCH' });
    const protocol = await importInto(pair.a, pair.adminA, resigned((m) => (m.protocolVersion = '3')));
    expect({ status: protocol.status, error: protocol.body.error }).toEqual({ status: 409, error: 'ERR_PROTOCOL_MISMATCH' });
    // Re-signed unchanged, it is the same bundle: already applied.
    expect((await importInto(pair.a, pair.adminA, resigned(() => undefined))).body.error).toBe('ERR_BUNDLE_ALREADY_APPLIED');
  });

  it('answers bad input with a 4xx and its code, never a 5xx', async () => {
    const json = await request(pair.a.url).post('/api/sync/bundles/import').set(bearer(pair.adminA)).send({ bundle: 'x' });
    expect({ status: json.status, error: json.body.error }).toEqual({ status: 400, error: 'ERR_BUNDLE_MALFORMED' });
    const empty = await request(pair.a.url).post('/api/sync/bundles/import').set(bearer(pair.adminA)).set('Content-Type', BUNDLE_MEDIA_TYPE);
    expect({ status: empty.status, error: empty.body.error }).toEqual({ status: 400, error: 'ERR_BUNDLE_MALFORMED' });
    const large = await importInto(pair.a, pair.adminA, Buffer.alloc(3 * 1024 * 1024, 1));
    expect({ status: large.status, error: large.body.error }).toEqual({ status: 413, error: 'ERR_PAYLOAD_TOO_LARGE' });
    const badPeer = await request(pair.b.url).post('/api/sync/bundles/export').set(bearer(pair.adminB)).send({ remoteNodeId: 'nope' });
    expect({ status: badPeer.status, error: badPeer.body.error }).toEqual({ status: 400, error: 'ERR_VALIDATION' });
    const unknownPeer = await request(pair.b.url).post('/api/sync/bundles/export').set(bearer(pair.adminB)).send({ remoteNodeId: '00000000-0000-4000-8000-000000000000' });
    expect({ status: unknownPeer.status, error: unknownPeer.body.error }).toEqual({ status: 404, error: 'ERR_NODE_NOT_FOUND' });
    const badAck = await request(pair.b.url).post('/api/sync/bundles/acks').set(bearer(pair.adminB)).send({ ack: '{', signature: 'x' });
    expect({ status: badAck.status, error: badAck.body.error }).toEqual({ status: 400, error: 'ERR_BUNDLE_MALFORMED' });
    const researcher = await createUserAndLogin(pair.a, UserRole.Researcher);
    expect((await importInto(pair.a, researcher.token, first)).status).toBe(403);
  });

  it('an acknowledgement from A moves B\'s position: the next bundle holds only what changed since', async () => {
    const ack = await request(pair.a.url).get(`/api/sync/bundles/acks/${pair.peerOnA}`).set(bearer(pair.adminA));
    expect(ack.status).toBe(200);
    const accepted = await request(pair.b.url).post('/api/sync/bundles/acks').set(bearer(pair.adminB)).send(ack.body);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ remoteNodeId: pair.requesterOnB, moved: true, position: { source: 'ack' } });
    // A forged acknowledgement is refused.
    const forged = await request(pair.b.url).post('/api/sync/bundles/acks').set(bearer(pair.adminB)).send({ ...ack.body, ack: ack.body.ack.replace('"version":1', '"version":1 ') });
    expect(forged.status).toBe(422);
    expect(forged.body.error).toBe('ERR_BUNDLE_SIGNATURE_INVALID');

    await laterality(pair.b, 'bundle-2');
    const second = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    expect(manifestOf(second).counts).toMatchObject({ rows: 1, tombstones: 0, files: 0 });
    const res = await importInto(pair.a, pair.adminA, second);
    expect(res.status).toBe(200);
    expect(res.body.summary.totals.inserted).toBe(1);
    expect(await lateralityRow(pair.a, 'bundle-2')).toEqual(await lateralityRow(pair.b, 'bundle-2'));
  });

  it('refuses a stale bundle and one that would leave a gap', async () => {
    // Without an acknowledgement B exports from the same position again: a superset.
    await laterality(pair.b, 'bundle-3');
    const older = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    await laterality(pair.b, 'bundle-4');
    const newer = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    expect(manifestOf(newer).counts.rows).toBe(manifestOf(older).counts.rows + 1);
    expect((await importInto(pair.a, pair.adminA, newer)).status).toBe(200);
    const stale = await importInto(pair.a, pair.adminA, older);
    expect(stale.status).toBe(409);
    expect(stale.body.error).toBe('ERR_BUNDLE_STALE');

    // A restored from a backup taken before its last import: the next bundle would skip changes.
    const ack = await request(pair.a.url).get(`/api/sync/bundles/acks/${pair.peerOnA}`).set(bearer(pair.adminA));
    await request(pair.b.url).post('/api/sync/bundles/acks').set(bearer(pair.adminB)).send(ack.body).expect(200);
    await laterality(pair.b, 'bundle-5');
    const next = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    const [last] = await pair.a.dataSource.query(`SELECT id FROM sync_logs WHERE kind = 'bundle_import' AND status = 'completed' ORDER BY completed_at DESC LIMIT 1`);
    await pair.a.dataSource.query(`UPDATE sync_logs SET status = 'failed' WHERE id = $1`, [last.id]);
    const gap = await importInto(pair.a, pair.adminA, next);
    expect(gap.status).toBe(409);
    expect(gap.body.error).toBe('ERR_BUNDLE_GAP');
    await pair.a.dataSource.query(`UPDATE sync_logs SET status = 'completed' WHERE id = $1`, [last.id]);
    expect((await importInto(pair.a, pair.adminA, next)).status).toBe(200);
  });

  it('refuses a bundle from a revoked node and one addressed to another node', async () => {
    await laterality(pair.b, 'bundle-6');
    const bundle = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    await pair.a.dataSource.query(`UPDATE research_nodes SET status = 'Revoked' WHERE id = $1`, [pair.peerOnA]);
    const revoked = await importInto(pair.a, pair.adminA, bundle);
    await pair.a.dataSource.query(`UPDATE research_nodes SET status = 'Authorized' WHERE id = $1`, [pair.peerOnA]);
    expect({ status: revoked.status, error: revoked.body.error, peerStatus: revoked.body.status }).toEqual({ status: 409, error: 'ERR_NODE_NOT_AUTHORIZED', peerStatus: 'Revoked' });

    const c = await startTestNode({ NODE_ID: 'node-c', NODE_NAME: 'Node C', ...BULK_HTTP_ENV });
    try {
      const adminC = await loginAsAdmin(c);
      const { registeredId } = await introduce(c, adminC, pair.b, pair.adminB);
      const forC = await exportFor(pair.b, pair.adminB, registeredId);
      const wrong = await importInto(pair.a, pair.adminA, forC);
      expect(wrong.status).toBe(422);
      expect(wrong.body.error).toBe('ERR_BUNDLE_WRONG_RECIPIENT');
      // A bundle from a node A does not know (C, once A forgot it).
      const { registeredId: aOnC, connectionId: cOnA } = await introduce(pair.a, pair.adminA, c, adminC);
      await pair.a.dataSource.query(`DELETE FROM research_nodes WHERE id = $1`, [cOnA]);
      const fromC = await exportFor(c, adminC, aOnC);
      const unknown = await importInto(pair.a, pair.adminA, fromC);
      expect(unknown.status).toBe(403);
      expect(unknown.body.error).toBe('ERR_BUNDLE_UNKNOWN_NODE');
    } finally {
      await c.close();
    }
  });

  it('a full bundle applies as a full resync: rows the exporter deleted and forgot are deleted here too', async () => {
    await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'bundle-2'`);
    // The tombstone purged (older than the retention): only a full resync can pass the delete on.
    await pair.b.dataSource.query(`DELETE FROM tombstones WHERE row_key->>'code' = 'bundle-2'`);
    const res = await request(pair.b.url).post('/api/sync/bundles/export').set(bearer(pair.adminB)).send({ remoteNodeId: pair.requesterOnB, full: true }).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const full = res.body as Buffer;
    expect(manifestOf(full).counts.rows).toBeGreaterThan(20);
    const applied = await importInto(pair.a, pair.adminA, full);
    expect({ status: applied.status, error: applied.body.message }).toEqual({ status: 200, error: undefined });
    expect(await lateralityRow(pair.a, 'bundle-2')).toBeUndefined();
    expect((await importInto(pair.a, pair.adminA, full)).body.error).toBe('ERR_BUNDLE_ALREADY_APPLIED');
  });

  it('the next online pull continues from the bundle\'s position and moves B\'s position for A', async () => {
    await pair.a.dataSource.query(`UPDATE research_nodes SET node_url = $2 WHERE id = $1`, [pair.peerOnA, pair.b.url]);
    await laterality(pair.b, 'before-pull');
    const body = await pullOk(pullFrom(pair.a, pair.adminA, pair.peerOnA));
    // Only what the last bundle did not carry.
    expect(body.summary.totals.received).toBe(1);
    const [va, vb] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(va.digest).toBe(vb.digest);
    await laterality(pair.b, 'after-pull');
    await pullOk(pullFrom(pair.a, pair.adminA, pair.peerOnA));
    const positions = await request(pair.b.url).get('/api/sync/bundles/positions').set(bearer(pair.adminB));
    expect(positions.body.find((p: { remoteNodeId: string }) => p.remoteNodeId === pair.requesterOnB)).toMatchObject({ source: 'pull' });
    const next = await exportFor(pair.b, pair.adminB, pair.requesterOnB);
    expect(manifestOf(next).counts.rows).toBe(1);
  });
});
