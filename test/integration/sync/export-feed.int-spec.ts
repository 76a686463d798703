import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { PeerError } from '../../../src/core/errors/peer-error';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { bearer } from '../../support/users';
import { NodePair, startPair } from '../../support/two-nodes';

type Page = { data: Record<string, unknown>[]; deleted: { table: string; key: Record<string, string>; deletedAt: string }[]; table: string | null; next: string | null };
type Manifest = Record<string, unknown> & { window: { token: string; nextCursor: string; to: string }; feeds: { route: string; rows: number; tombstones: number }[] };

const PROTOCOL = { 'x-sync-protocol': '2' };

describe('serving sync data (export side, SPEC §5)', () => {
  let pair: NodePair;
  let client: NodeChannelClient;

  /** All pages of one feed of a window. */
  async function readFeed(route: string, window: string, pageSize = 100, between?: () => Promise<void>): Promise<Page[]> {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const query: string = new URLSearchParams({ window, pageSize: String(pageSize), ...(after ? { after } : {}) }).toString();
      const page: Page = await client.invoke<Page>('GET', `/api/sync/${route}?${query}`);
      pages.push(page);
      after = page.next;
      if (between) await between();
    } while (after);
    return pages;
  }

  const manifest = (body: Record<string, unknown> = {}) => client.invoke<Manifest>('POST', '/api/sync/manifest', body, PROTOCOL);
  const laterality = (code: string) =>
    pair.b.dataSource.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ($1, $1, 'd', true)`, [code]);
  const codesIn = (pages: Page[]) => pages.flatMap((p) => p.data.map((r) => r.code as string));

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    await buildDatasetOverHttp(pair.b, pair.adminB);
    client = pair.a.app.get(NodeChannelClientFactory).create({ url: pair.b.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await pair?.close();
  });

  describe('reference-compatible shapes', () => {
    it('manifest is the flat reference shape', async () => {
      const m = await client.invoke<Record<string, unknown>>('POST', '/api/sync/manifest', {});
      for (const key of ['nodeId', 'nodeName', 'generatedAt', 'lastSyncedAt', 'snomed', 'volunteers', 'researchers', 'devices', 'research', 'sessions', 'recordings']) {
        expect(m).toHaveProperty(key);
      }
      expect(m.volunteers).toEqual({ count: 1, latestUpdate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) });
      expect(m.recordings).toEqual({ count: 1, totalSizeBytes: expect.any(Number) });
      expect(m.window).toBeUndefined();
      expect(m.protocolVersion).toBe('2');
    });

    it('aggregate pages nest their children as the reference does', async () => {
      const volunteers = await client.invoke<Record<string, unknown>>('GET', '/api/sync/volunteers?page=1&pageSize=10');
      expect(volunteers).toMatchObject({ page: 1, pageSize: 10, totalRecords: 1, totalPages: 1 });
      const v = (volunteers.data as Record<string, unknown>[])[0];
      for (const child of ['vitalSigns', 'clinicalConditions', 'clinicalEvents', 'medications', 'allergyIntolerances']) expect(Array.isArray(v[child])).toBe(true);
      expect((v.vitalSigns as unknown[]).length).toBe(1);

      const sessions = (await client.invoke<{ data: Record<string, unknown>[] }>('GET', '/api/sync/sessions')).data;
      const targetArea = sessions[0].targetArea as Record<string, unknown>;
      expect(Array.isArray(targetArea.topographicalModifiers)).toBe(true);
      const records = sessions[0].records as Record<string, unknown>[];
      expect(Array.isArray(records[0].recordChannels)).toBe(true);
      expect(Array.isArray(sessions[0].sessionAnnotations)).toBe(true);

      const devices = (await client.invoke<{ data: Record<string, unknown>[] }>('GET', '/api/sync/devices')).data;
      expect((devices[0].sensors as unknown[]).length).toBe(1);
      const research = (await client.invoke<{ data: Record<string, unknown>[] }>('GET', '/api/sync/research')).data;
      for (const child of ['applications', 'researchDevices', 'researchResearchers', 'researchVolunteers']) expect(Array.isArray(research[0][child])).toBe(true);
    });

    it('serves all nine catalog types and rejects an unknown one', async () => {
      for (const type of ['body-regions', 'body-structures', 'topographical-modifiers', 'lateralities', 'clinical-conditions', 'clinical-events', 'medications', 'allergy-intolerances', 'severity-codes']) {
        const page = await client.invoke<{ totalRecords: number }>('GET', `/api/sync/snomed/${type}`);
        expect(page.totalRecords).toBeGreaterThanOrEqual(1);
      }
      await expect(client.invoke('GET', '/api/sync/snomed/planets')).rejects.toMatchObject({ status: 400, code: 'ERR_UNKNOWN_ENTITY_TYPE' });
    });

    it('`since` is strictly greater than updated_at', async () => {
      const [{ updated }]: { updated: string }[] = await pair.b.dataSource.query(
        `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated FROM volunteer`,
      );
      const at = await client.invoke<{ totalRecords: number }>('GET', `/api/sync/volunteers?since=${encodeURIComponent(updated)}`);
      expect(at.totalRecords).toBe(0);
      const before = updated.replace(/\.(\d{6})Z$/, (_m, us: string) => `.${String(Number(us) - 1).padStart(6, '0')}Z`);
      const justBefore = await client.invoke<{ totalRecords: number }>('GET', `/api/sync/volunteers?since=${encodeURIComponent(before)}`);
      expect(justBefore.totalRecords).toBe(1);
    });

    it('serves a recording file as base64 JSON', async () => {
      const [{ id, sha }]: { id: string; sha: string }[] = await pair.b.dataSource.query(`SELECT id, file_sha256 AS sha FROM record_channel WHERE file_sha256 IS NOT NULL`);
      const file = await client.invoke<{ contentBase64: string; sha256: string; blobPath: string }>('GET', `/api/sync/recordings/${id}/file`);
      expect(file.sha256).toBe(sha);
      expect(file.blobPath).toMatch(/\.csv$/);
      expect(Buffer.from(file.contentBase64, 'base64').length).toBeGreaterThan(0);
    });
  });

  describe('the change feed', () => {
    it('a window excludes a transaction still open at the manifest; the next window delivers it', async () => {
      const open = new Client({ connectionString: pair.b.db.url });
      await open.connect();
      try {
        await open.query('BEGIN');
        await open.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('late-commit', 'late', 'd', true)`);
        // Committed after the open transaction began: a timestamp watermark would skip 'late-commit'.
        await laterality('early-commit');
        const first = await manifest();
        const firstCodes = codesIn(await readFeed('snomed/lateralities', first.window.token));
        expect(firstCodes).toContain('early-commit');
        expect(firstCodes).not.toContain('late-commit');
        await open.query('COMMIT');
        const second = await manifest({ cursor: first.window.nextCursor });
        const secondCodes = codesIn(await readFeed('snomed/lateralities', second.window.token));
        expect(secondCodes).toContain('late-commit');
      } finally {
        await open.end();
      }
    });

    it('keyset pages stay stable while rows change between page reads', async () => {
      for (let i = 0; i < 9; i++) await laterality(`stable-${i}`);
      const m = await manifest();
      const expected: string[] = (await pair.b.dataSource.query(`SELECT code FROM snomed_laterality ORDER BY code`)).map((r: { code: string }) => r.code);
      let round = 0;
      const pages = await readFeed('snomed/lateralities', m.window.token, 2, async () => {
        round++;
        await pair.b.dataSource.query(`UPDATE snomed_laterality SET display_name = display_name || '+' WHERE code = $1`, [`stable-${round % 9}`]);
        await laterality(`inserted-during-${round}`);
      });
      const served = codesIn(pages);
      expect([...served].sort()).toEqual([...expected].sort());
      expect(new Set(served).size).toBe(served.length);
    });

    it('deletes travel as tombstones of the window', async () => {
      await laterality('to-delete');
      const before = await manifest();
      await readFeed('snomed/lateralities', before.window.token);
      await pair.b.dataSource.query(`DELETE FROM snomed_laterality WHERE code = 'to-delete'`);
      const after = await manifest({ cursor: before.window.nextCursor });
      const deleted = (await readFeed('snomed/lateralities', after.window.token)).flatMap((p) => p.deleted);
      expect(deleted).toEqual([expect.objectContaining({ table: 'snomed_laterality', key: { code: 'to-delete' }, deletedAt: expect.stringMatching(/Z$/) })]);
    });

    it('an unchanged source gives an empty window', async () => {
      const first = await manifest();
      for (const feed of first.feeds) await readFeed(feed.route, first.window.token, 1000);
      const second = await manifest({ cursor: first.window.nextCursor });
      // Rows at or above the first window's bound may be sent once more; after that nothing moves.
      const third = await manifest({ cursor: second.window.nextCursor });
      expect(third.feeds.reduce((n, f) => n + f.rows + f.tombstones, 0)).toBe(0);
    });

    it('refuses malformed window and after tokens with 400', async () => {
      await expect(client.invoke('GET', '/api/sync/volunteers?window=notatoken')).rejects.toMatchObject({ status: 400 });
      const m = await manifest();
      await expect(client.invoke('GET', `/api/sync/volunteers?window=${m.window.token}&after=AAAA`)).rejects.toMatchObject({ status: 400 });
    });
  });

  describe('refusals', () => {
    it('an incompatible protocol gets 409 before any data moves', async () => {
      const error = await client.invoke('POST', '/api/sync/manifest', {}, { 'x-sync-protocol': '3' }).catch((e: PeerError) => e);
      expect(error).toMatchObject({ status: 409, code: 'ERR_PROTOCOL_MISMATCH' });
      expect((error as PeerError).body).toMatchObject({ serverProtocol: '2', clientProtocol: '3' });
    });

    it('a ReadOnly session gets 403 naming granted and required capability', async () => {
      const set = (level: number) =>
        request(pair.b.url).put(`/api/node/${pair.requesterOnB}/access-level`).set(bearer(pair.adminB)).send({ nodeAccessLevel: level }).expect(200);
      await set(0);
      try {
        const error = await client.invoke('GET', '/api/sync/volunteers').catch((e: PeerError) => e);
        expect(error).toMatchObject({ status: 403, code: 'ERR_INSUFFICIENT_PERMISSIONS' });
        expect((error as PeerError).message).toMatch(/ReadOnly/);
        expect((error as PeerError).message).toMatch(/ReadWrite/);
        expect(JSON.stringify((error as PeerError).body)).not.toContain('volunteerId');
      } finally {
        await set(1);
      }
    });

    it('an unknown recording is 404', async () => {
      await expect(client.invoke('GET', `/api/sync/recordings/${randomUUID()}/file`)).rejects.toMatchObject({ status: 404, code: 'ERR_RECORDING_NOT_FOUND' });
    });
  });

  it('compresses responses for clients that accept gzip', async () => {
    const res = await request(pair.b.url).get('/api/docs-json').set('Accept-Encoding', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
  });
});
