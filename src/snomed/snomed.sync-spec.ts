import { AggregateSpec } from '../core/sync-kernel/aggregate-spec';

/** Catalog feeds: route under /api/sync (the reference's entityType) → table, in window order. */
const CATALOG_FEEDS: ReadonlyArray<[route: string, table: string]> = [
  ['snomed/body-regions', 'snomed_body_region'],
  ['snomed/body-structures', 'snomed_body_structure'],
  ['snomed/topographical-modifiers', 'snomed_topographical_modifier'],
  ['snomed/lateralities', 'snomed_laterality'],
  ['snomed/severity-codes', 'snomed_severity_codes'],
  ['snomed/clinical-conditions', 'clinical_conditions'],
  ['snomed/clinical-events', 'clinical_events'],
  ['snomed/medications', 'medications'],
  ['snomed/allergy-intolerances', 'allergy_intolerances'],
];

export const SNOMED_SYNC_SPEC: AggregateSpec = {
  name: 'snomed',
  tables: CATALOG_FEEDS.map(([, table]) => table),
  feeds: CATALOG_FEEDS.map(([route, root]) => ({ route, root })),
};
