import request from 'supertest';
import { NodePair, pullFrom, pullOk, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/** Every value a column can hold travels exactly, or is refused at the API (issue 14 item 6). */
describe('edge values', () => {
  let pair: NodePair;

  const researchDates = async (node: NodePair['a'], ids: string[]) =>
    node.dataSource.query(`SELECT id, start_date::text AS start, end_date::text AS "end" FROM research WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]);
  const postResearch = (body: Record<string, unknown>) =>
    request(pair.a.url)
      .post('/api/research')
      .set(bearer(pair.adminA))
      .send({ title: 'edge', description: 'd', startDate: '2026-01-01T00:00:00Z', status: 'active', ...body });

  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(() => pair?.close());

  it('infinite and BC timestamps reach the other node exactly', async () => {
    const [{ id: localNode }] = await pair.b.dataSource.query(`SELECT id FROM research_nodes WHERE is_local`);
    const rows: [string, string, string | null][] = [
      ['10000000-0000-4000-8000-000000000001', 'infinity', '-infinity'],
      ['10000000-0000-4000-8000-000000000002', '0044-03-15 12:00:00.123456+00 BC', null],
      ['10000000-0000-4000-8000-000000000003', '0050-06-01 00:00:00+00', '0001-01-01 00:00:00+00'],
    ];
    for (const [id, start, end] of rows) {
      await pair.b.dataSource.query(
        `INSERT INTO research (id, research_node_id, title, description, start_date, end_date, status) VALUES ($1, $2, 'edge', 'd', $3, $4, 'active')`,
        [id, localNode, start, end],
      );
    }
    await pullOk(pullFrom(pair.a, pair.adminA, pair.peerOnA));
    const ids = rows.map((r) => r[0]);
    expect(await researchDates(pair.a, ids)).toEqual(await researchDates(pair.b, ids));
    expect((await researchDates(pair.a, ids))[1].start).toBe('0044-03-15 12:00:00.123456+00 BC');
  });

  it('the API accepts years 1 to 99 and refuses what a timestamp column cannot carry from a client', async () => {
    const early = await postResearch({ startDate: '0050-06-01T00:00:00Z', endDate: '0001-01-01T00:00:00Z' });
    expect(early.status).toBe(201);
    expect(early.body).toMatchObject({ startDate: '0050-06-01T00:00:00.000000Z', endDate: '0001-01-01T00:00:00.000000Z' });
    for (const startDate of ['infinity', '0000-01-01T00:00:00Z', '-0001-01-01T00:00:00Z']) {
      const res = await postResearch({ startDate });
      expect({ startDate, status: res.status, error: res.body.error }).toEqual({ startDate, status: 400, error: 'ERR_VALIDATION' });
    }
  });

  it('string lengths count characters as users see them', async () => {
    const title = '🧪'.repeat(500);
    const created = await postResearch({ title });
    expect(created.status).toBe(201);
    expect(created.body.title).toBe(title);
    const tooLong = await postResearch({ title: `${title}x` });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toBe('ERR_VALIDATION');
  });
});
