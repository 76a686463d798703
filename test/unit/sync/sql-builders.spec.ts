import { SyncCatalog } from '../../../src/core/sync-kernel/sync-catalog';
import { referenceCountSql, referencePageSql, TOMBSTONE_PAGE_SQL, windowChangedSql, windowPageSql, windowStatsSql } from '../../../src/sync/export/export-sql';
import {
  applyRowsSql,
  applyTombstonesSql,
  deleteDanglingChildrenSql,
  recordTombstonesSql,
  reviveSql,
  typedRowsSql,
  upsertSql,
} from '../../../src/sync/import/import-sql';
import { metadataCatalog } from '../../support/metadata-catalog';

/**
 * The engines' SQL, built from the table models, checked against the snapshot files in
 * __snapshots__/: a change to a builder shows as a diff of the statements it writes. Tables that
 * cover the shapes: a text key (snomed_laterality), a node-local column (volunteer), a composite
 * key (research_researcher), a table with files and a NO ACTION parent (record_channel).
 */
describe('SQL builders', () => {
  let catalog: SyncCatalog;
  beforeAll(async () => {
    catalog = await metadataCatalog();
  });
  const TABLES = ['snomed_laterality', 'volunteer', 'research_researcher', 'record_channel'];

  it.each(TABLES)('export statements of %s', (name) => {
    const model = catalog.table(name);
    const feed = catalog.feeds().find((f) => f.root === name);
    expect({
      firstPage: windowPageSql(model, false),
      nextPage: windowPageSql(model, true),
      ...(feed ? { referencePage: referencePageSql(model, feed.children ?? [], (t) => catalog.table(t)), referenceCount: referenceCountSql(model) } : {}),
    }).toMatchSnapshot();
  });

  it.each(TABLES)('apply statements of %s', (name) => {
    const model = catalog.table(name);
    const parents = model.foreignKeys.filter((fk) => catalog.hasTable(fk.referencedTable));
    expect({
      typedRows: typedRowsSql(model, '_s_1', '_r_1'),
      applyRows: applyRowsSql(model, '_r_1', { parents, localTombstones: true, emptyTarget: false }),
      applyRowsWithoutTombstones: applyRowsSql(model, '_r_1', { parents: [], localTombstones: false, emptyTarget: false }),
      applyRowsIntoEmptyTable: applyRowsSql(model, '_r_1', { parents, localTombstones: false, emptyTarget: true }),
      applyFewRows: applyRowsSql(model, '_r_1', { parents: [], localTombstones: false, emptyTarget: false, probe: true }),
      applyTombstones: applyTombstonesSql(model),
      recordTombstones: recordTombstonesSql(model),
      revive: reviveSql(model, '_r_1'),
      deleteDanglingChildren: parents.map((fk) => deleteDanglingChildrenSql(model, fk)),
    }).toMatchSnapshot();
  });

  it('window statistics and tombstone pages', () => {
    expect({ stats: windowStatsSql(TABLES.map((t) => catalog.table(t))), tombstones: TOMBSTONE_PAGE_SQL }).toMatchSnapshot();
  });

  it('the no-op probe: one index probe per table and the tombstones, with the snapshot of the same statement', () => {
    const models = TABLES.map((t) => catalog.table(t));
    const sql = windowChangedSql(models, 'SELECT 1');
    expect(sql.match(/EXISTS \(SELECT 1 FROM /g)).toHaveLength(models.length + 1);
    for (const model of models) expect(sql).toContain(`FROM "${model.table}" t WHERE (t.change_xid >= pg_snapshot_xmin($1::pg_snapshot)`);
    expect(sql).toContain('FROM tombstones t WHERE');
    expect(sql).toMatch(/^SELECT pg_current_snapshot\(\)::text AS current, \(SELECT 1\) AS db,/);
    expect(sql).not.toContain('AS horizon');
    // The cursor's horizon in the same statement (its snapshot): a row as JSON, null before any purge.
    expect(windowChangedSql(models, 'SELECT 1', 'SELECT 2 AS reachable')).toMatch(/AS changed,\s+\(SELECT row_to_json\(h\) FROM \(SELECT 2 AS reachable\) h\) AS horizon$/);
  });

  it('fills node-local columns on import: the local node id, and the locator of the row\'s file by its hash', () => {
    expect(upsertSql(catalog.table('volunteer'), '_r', [], false)).toContain('$4::uuid');
    const channel = catalog.table('record_channel');
    expect(channel.files?.hash.column).toBe('file_sha256');
    expect(upsertSql(channel, '_r', [], false)).toMatch(/unnest\(\$6::text\[\], \$7::text\[\]\) AS u\(sha, url\) WHERE u\.sha = r\."fileSha256"/);
  });
});
