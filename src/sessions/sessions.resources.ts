import { ResourceDefinition } from '../crud/resource-definition';

/** CRUD resources of this module (Record sessions, their target area (and its modifiers) and annotations); see ResourceDefinition for the path rules. */
export const SESSIONS_RESOURCES: ResourceDefinition[] = [
  { name: 'sessions', table: 'record_session', path: 'sessions/:id', tag: 'sessions' },
  { name: 'session-target-area', table: 'target_area', path: 'sessions/:recordSessionId/target-area', tag: 'sessions', single: true },
  {
    name: 'target-area-topographical-modifiers',
    table: 'target_area_topographical_modifier',
    path: 'target-areas/:targetAreaId/topographical-modifiers/:topographicalModifierCode',
    tag: 'sessions',
  },
  { name: 'session-annotations', table: 'session_annotation', path: 'sessions/:recordSessionId/annotations/:id', tag: 'sessions' },
];
