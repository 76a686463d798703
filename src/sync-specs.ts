import { AggregateSpec } from './core/sync-kernel/aggregate-spec';
import { DEVICES_SYNC_SPEC, RESEARCH_SYNC_SPEC, RESEARCHERS_SYNC_SPEC } from './research/research.sync-spec';
import { SESSIONS_SYNC_SPEC } from './sessions/sessions.sync-spec';
import { SNOMED_SYNC_SPEC } from './snomed/snomed.sync-spec';
import { VOLUNTEERS_SYNC_SPEC } from './volunteers/volunteers.sync-spec';

/**
 * Every aggregate, in the reference's manifest/import order (prism-reference.md §4.4, fixed so
 * FKs hold). The catalog derives the real apply order from the foreign keys; this order only
 * breaks ties and orders the manifest.
 */
export const SYNC_SPECS: readonly AggregateSpec[] = [
  SNOMED_SYNC_SPEC,
  RESEARCHERS_SYNC_SPEC,
  DEVICES_SYNC_SPEC,
  VOLUNTEERS_SYNC_SPEC,
  RESEARCH_SYNC_SPEC,
  SESSIONS_SYNC_SPEC,
];
