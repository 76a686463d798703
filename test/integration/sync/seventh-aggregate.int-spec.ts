import request from 'supertest';
import { DataSource } from 'typeorm';
import { AGGREGATE_MODULES } from '../../../src/aggregates';
import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { entitiesFor } from '../../../src/database/entities';
import { typeOrmOptions } from '../../../src/database/typeorm-options';
import { Samples1795319589900 } from '../../fixtures/seventh-aggregate/1795319589900-Samples';
import { SamplesModule } from '../../fixtures/seventh-aggregate/samples.module';
import { BULK_HTTP_ENV, buildDatasetOverHttp, Dataset } from '../../support/dataset';
import { listRouteAccess } from '../../support/route-access';
import { NodePair, pull, startPair, verify } from '../../support/two-nodes';
import { bearer } from '../../support/users';

/**
 * Adding an aggregate is one folder (test/fixtures/seventh-aggregate: entity, spec, CRUD resources,
 * module), its migration and one registration line (the module list below). Nothing else changes:
 * the catalog, CRUD routes, export route, manifest, apply order, pull, verify and metrics follow.
 */
describe('a seventh aggregate, added by one folder', () => {
  const aggregates = [...AGGREGATE_MODULES, SamplesModule];
  let pair: NodePair;
  let dataset: Dataset;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV, { aggregates, migrations: [Samples1795319589900] });
    // Every CRUD resource in apply order, over HTTP: the samples too, referencing a volunteer.
    dataset = await buildDatasetOverHttp(pair.b, pair.adminB);
  });
  afterAll(() => pair?.close());

  it('its migration builds what its entity describes', async () => {
    const dataSource = await new DataSource(typeOrmOptions(pair.b.config, pair.b.db.url, entitiesFor(aggregates))).initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('joins the catalog after the tables it references, with its CRUD and export routes', () => {
    const catalog = pair.b.app.get(SyncCatalog);
    expect(catalog.aggregates().map((a) => a.name)).toEqual(['snomed', 'volunteers', 'researchers', 'devices', 'research', 'sessions', 'samples']);
    expect(catalog.table('sample').applyOrder).toBeGreaterThan(catalog.table('volunteer').applyOrder);
    expect(catalog.feed('samples')).toMatchObject({ aggregate: 'samples', root: 'sample' });
    const routes = listRouteAccess(pair.b.app);
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ route: 'GET /api/sync/samples', access: 'node(ReadWrite)' }),
        expect.objectContaining({ route: 'POST /api/samples', access: 'user' }),
        expect.objectContaining({ route: 'GET /api/samples/:id', access: 'user' }),
      ]),
    );
    expect(dataset.rows.get('sample')).toHaveLength(1);
  });

  it('a pull carries its rows like any other aggregate, and both nodes then hold the same data', async () => {
    const res = await pull(pair);
    expect(res.status).toBe(200);
    expect(res.body.summary.entitiesReceived).toMatchObject({ samples: 1, volunteers: expect.any(Number) });
    expect(res.body.summary.tables).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'sample', received: 1, inserted: 1 })]));
    const [sample] = dataset.rows.get('sample')!;
    const onA = await request(pair.a.url).get(`/api/samples/${sample.id}`).set(bearer(pair.adminA)).expect(200);
    expect(onA.body).toEqual(sample);
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.aggregates.samples).toMatchObject({ rows: 1 });
    expect(a.digest).toBe(b.digest);
  });

  it('is a metrics label from the start', async () => {
    const metrics = await request(pair.a.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/prism_sync_bytes_total\{aggregate="samples"\} \d+/);
    expect(metrics.text).toMatch(/prism_sync_rows_total\{aggregate="samples",operation="received"\} 1/);
  });
});
