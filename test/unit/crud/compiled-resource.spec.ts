import { ColumnModel, TableModel } from '../../../src/core/sync-kernel/table-model';
import { compileResource } from '../../../src/crud/compiled-resource';
import { collectionPath, openApiPath } from '../../../src/crud/resource-definition';
import { RESOURCES } from '../../../src/aggregates';

const col = (column: string, property: string, extra: Partial<ColumnModel> = {}): ColumnModel => ({
  column,
  property,
  type: 'uuid',
  nullable: false,
  primary: false,
  hasDefault: false,
  managed: false,
  ...extra,
});

const vitalSigns: TableModel = {
  table: 'vital_signs',
  aggregate: 'volunteers',
  key: ['id'],
  applyOrder: 1,
  foreignKeys: [{ columns: ['volunteer_id'], referencedTable: 'volunteer', referencedColumns: ['volunteer_id'], onDelete: 'CASCADE', optional: false }],
  columns: [
    col('id', 'id', { primary: true }),
    col('volunteer_id', 'volunteerId'),
    col('heart_rate', 'heartRate', { type: 'real', nullable: true }),
    col('measurement_context', 'measurementContext', { type: 'character varying', length: 200 }),
    col('updated_at', 'updatedAt', { type: 'timestamp with time zone', managed: true, hasDefault: true }),
  ],
};

describe('compiled resources', () => {
  const def = { name: 'vs', table: 'vital_signs', path: 'volunteers/:volunteerId/vital-signs/:id', tag: 't' };

  it('splits the path into parent scope and item key and derives who writes what', () => {
    const r = compileResource(def, vitalSigns);
    expect(r.scope.map((s) => s.column.column)).toEqual(['volunteer_id']);
    expect(r.item.map((s) => s.column.column)).toEqual(['id']);
    expect(r.creatable.map((c) => c.property)).toEqual(['id', 'heartRate', 'measurementContext']);
    expect(r.updatable.map((c) => c.property)).toEqual(['heartRate', 'measurementContext']);
    // The uuid key is generated when omitted; nullable columns are optional.
    expect(r.required.map((c) => c.property)).toEqual(['measurementContext']);
  });

  it('refuses a path param that is no column and a path that does not cover the key', () => {
    expect(() => compileResource({ ...def, path: 'volunteers/:volunteer/vital-signs/:id' }, vitalSigns)).toThrow(/:volunteer is no property/);
    expect(() => compileResource({ ...def, path: 'volunteers/:volunteerId/vital-signs' }, vitalSigns)).toThrow(/do not cover the key/);
    expect(() => compileResource({ ...def, readOnly: ['nope'] }, vitalSigns)).toThrow(/:nope is no property/);
  });

  it('has unique names and paths, and maps paths for OpenAPI', () => {
    expect(new Set(RESOURCES.map((r) => r.name)).size).toBe(RESOURCES.length);
    expect(new Set(RESOURCES.map((r) => r.path)).size).toBe(RESOURCES.length);
    expect(collectionPath(RESOURCES.find((r) => r.name === 'research-researchers')!)).toBe('research/:researchId/researchers');
    expect(openApiPath('research/:researchId/researchers/:researcherId')).toBe('/api/research/{researchId}/researchers/{researcherId}');
  });
});
