import { applyRowsSql, archiveNaturalKeyCollisionsSql } from '../../../src/sync/import/import-sql';
import { ApplyContext, emptyTableResult } from '../../../src/sync/import/import.types';
import { BATCH_ROWS, BATCH_TABLE_ROWS, batchableTable, inlinedApplyParams, inlineParams, PEER_ORIGIN_SETTING, RowsBatch } from '../../../src/sync/import/rows-batch';
import { metadataCatalog } from '../../support/metadata-catalog';

/**
 * The batched row statements (rows-batch.ts) take their parameters as literals: only values this
 * node made, checked for their exact shape; the peer's text is never part of the SQL. The
 * statements themselves run against PostgreSQL in test/integration/sync/batched-apply.int-spec.ts.
 */
describe('batched row statements', () => {
  const localNode = '7d766b04-d8fe-80d8-a958-41d917ad732b';
  const context = (over: Partial<ApplyContext> = {}) =>
    ({
      syncLogId: '14389c56-b05b-4ba3-a5de-708e46903aab',
      peerRegistryId: '8bc6164a-d3d6-44ed-a625-b19eba4c5931',
      peerProtocolId: "peer'); DROP TABLE volunteer; --",
      lastApplyXid: '2430',
      fileLocators: new Map(),
      ...over,
    }) as ApplyContext;

  it('inlines the checked values and reads the peer origin from a bound setting, never as SQL text', async () => {
    const catalog = await metadataCatalog();
    const params = inlinedApplyParams(context(), localNode)!;
    for (const model of catalog.tables()) {
      const statements = [applyRowsSql(model, '_r_1', { parents: model.foreignKeys, localTombstones: false, emptyTarget: false }), ...(model.naturalKeys ?? []).map((k) => archiveNaturalKeyCollisionsSql(model, '_r_1', k))];
      for (const sql of statements.map((s) => inlineParams(s, params))) {
        expect(sql).not.toMatch(/\$\d/);
        expect(sql).not.toContain('DROP TABLE');
        expect(sql).toContain("'14389c56-b05b-4ba3-a5de-708e46903aab'::uuid");
      }
    }
    expect(params.get('$5')).toBe(`current_setting('${PEER_ORIGIN_SETTING}')`);
  });

  it('refuses values that are not of their exact shape (the statements then run with bound parameters)', () => {
    expect(inlinedApplyParams(context(), localNode)).toBeDefined();
    expect(inlinedApplyParams(context({ syncLogId: "x'::uuid; DELETE FROM volunteer; --" }), localNode)).toBeUndefined();
    expect(inlinedApplyParams(context({ peerRegistryId: 'not-a-uuid' }), localNode)).toBeUndefined();
    expect(inlinedApplyParams(context({ lastApplyXid: '1 OR 1=1' }), localNode)).toBeUndefined();
    expect(inlinedApplyParams(context({ peerProtocolId: '' }), localNode)).toBeUndefined();
    expect(inlinedApplyParams(context(), 'bench-a')).toBeUndefined();
  });

  it('a parameter without a literal is a bug, not a silent NULL', () => {
    const params = inlinedApplyParams(context(), localNode)!;
    expect(() => inlineParams('SELECT $8::int', params)).toThrow('no inlined value for $8');
    expect(inlineParams('SELECT $1::uuid, $12', new Map([['$1', "'a'"], ['$12', "'b'"]]))).toBe("SELECT 'a'::uuid, 'b'");
  });

  /** A staging whose every table has `rows` rows in COPY pages (none: JSON pages). */
  const staged = (rows?: number) => ({ copyColumns: () => (rows === undefined ? undefined : ['id']), copyRows: () => rows ?? 0 }) as unknown as ApplyContext['staging'];

  it('a table whose rows name files this pull stored runs with bound parameters (their locators are not inlined)', async () => {
    const catalog = await metadataCatalog();
    const withFiles = catalog.tables().find((t) => t.files)!;
    const plain = catalog.tables().find((t) => !t.files)!;
    const ctx = context({ fileLocators: new Map([['ab', 'file://x']]), staging: staged(10) });
    ctx.inlinedParams = inlinedApplyParams(ctx, localNode);
    expect(batchableTable(ctx, withFiles)).toBe(false);
    expect(batchableTable(ctx, plain)).toBe(true);
    const none = context({ staging: staged(10) });
    expect(batchableTable(none, plain)).toBe(false);
  });

  it('only small tables of COPY pages are queued: a big table keeps its own statement and the progress its table-by-table report', async () => {
    const plain = (await metadataCatalog()).tables().find((t) => !t.files)!;
    const at = (staging: ApplyContext['staging']) => {
      const ctx = context({ staging });
      ctx.inlinedParams = inlinedApplyParams(ctx, localNode);
      return batchableTable(ctx, plain);
    };
    expect(at(staged(BATCH_TABLE_ROWS))).toBe(true);
    expect(at(staged(BATCH_TABLE_ROWS + 1))).toBe(false);
    expect(at(staged())).toBe(false);
    const batch = new RowsBatch();
    batch.add(emptyTableResult('a'), ['SELECT 1'], BATCH_ROWS - 10);
    expect(batch.fits(10)).toBe(true);
    expect(batch.fits(11)).toBe(false);
  });
});
