// Generated from the node's aggregate registry by scripts/sdk-tables.ts; do not edit.
// Regenerate: npm run build && node dist/scripts/sdk-tables.js (test/unit/sdk/aggregate-tables.spec.ts checks it).

/** Aggregate names, in the node's manifest order. */
export type AggregateName = 'snomed' | 'volunteers' | 'researchers' | 'devices' | 'research' | 'sessions';

/** The tables of each aggregate (the node's sync catalog), in window order. */
export const AGGREGATE_TABLES: Record<AggregateName, string[]> = {
  snomed: ['snomed_body_region', 'snomed_body_structure', 'snomed_topographical_modifier', 'snomed_laterality', 'snomed_severity_codes', 'clinical_conditions', 'clinical_events', 'medications', 'allergy_intolerances'],
  volunteers: ['volunteer', 'vital_signs', 'volunteer_clinical_conditions', 'volunteer_clinical_events', 'volunteer_medications', 'volunteer_allergy_intolerances'],
  researchers: ['researcher'],
  devices: ['device', 'sensor'],
  research: ['research', 'application', 'research_researcher', 'research_volunteer', 'research_device'],
  sessions: ['record_session', 'target_area', 'target_area_topographical_modifier', 'record', 'record_channel', 'session_annotation'],
};

/** The name the files synced rows reference are counted under (summaries, metrics). */
export const FILES_NAME: string | null = 'recordings';
