import { ResourceDefinition } from './resource-definition';

/** File columns of a record channel are written only by the file routes (src/recordings). */
const CHANNEL_FILE_COLUMNS = ['fileUrl', 'fileSha256', 'fileSizeBytes', 'fileContentType'];

/**
 * Every CRUD resource of the node. Paths nest a child under its direct parent only; the parent's
 * key param is named after the child's FK property, the item param after the child's key property.
 */
export const RESOURCES: ResourceDefinition[] = [
  // SNOMED / terminology catalogs
  { name: 'snomed-body-regions', table: 'snomed_body_region', path: 'snomed/body-regions/:snomedCode', tag: 'snomed' },
  { name: 'snomed-body-structures', table: 'snomed_body_structure', path: 'snomed/body-structures/:snomedCode', tag: 'snomed' },
  { name: 'snomed-topographical-modifiers', table: 'snomed_topographical_modifier', path: 'snomed/topographical-modifiers/:code', tag: 'snomed' },
  { name: 'snomed-lateralities', table: 'snomed_laterality', path: 'snomed/lateralities/:code', tag: 'snomed' },
  { name: 'snomed-severity-codes', table: 'snomed_severity_codes', path: 'snomed/severity-codes/:code', tag: 'snomed' },
  { name: 'snomed-clinical-conditions', table: 'clinical_conditions', path: 'snomed/clinical-conditions/:snomedCode', tag: 'snomed' },
  { name: 'snomed-clinical-events', table: 'clinical_events', path: 'snomed/clinical-events/:snomedCode', tag: 'snomed' },
  { name: 'snomed-medications', table: 'medications', path: 'snomed/medications/:snomedCode', tag: 'snomed' },
  { name: 'snomed-allergy-intolerances', table: 'allergy_intolerances', path: 'snomed/allergy-intolerances/:snomedCode', tag: 'snomed' },

  // Volunteers and their clinical data
  { name: 'volunteers', table: 'volunteer', path: 'volunteers/:volunteerId', tag: 'volunteers' },
  { name: 'volunteer-vital-signs', table: 'vital_signs', path: 'volunteers/:volunteerId/vital-signs/:id', tag: 'volunteers' },
  { name: 'volunteer-clinical-conditions', table: 'volunteer_clinical_conditions', path: 'volunteers/:volunteerId/clinical-conditions/:id', tag: 'volunteers' },
  { name: 'volunteer-clinical-events', table: 'volunteer_clinical_events', path: 'volunteers/:volunteerId/clinical-events/:id', tag: 'volunteers' },
  { name: 'volunteer-medications', table: 'volunteer_medications', path: 'volunteers/:volunteerId/medications/:id', tag: 'volunteers' },
  { name: 'volunteer-allergy-intolerances', table: 'volunteer_allergy_intolerances', path: 'volunteers/:volunteerId/allergy-intolerances/:id', tag: 'volunteers' },

  // Researchers, devices and sensors
  { name: 'researchers', table: 'researcher', path: 'researchers/:researcherId', tag: 'research' },
  { name: 'devices', table: 'device', path: 'devices/:deviceId', tag: 'devices' },
  { name: 'device-sensors', table: 'sensor', path: 'devices/:deviceId/sensors/:sensorId', tag: 'devices' },

  // Research projects, their applications and links
  { name: 'research', table: 'research', path: 'research/:id', tag: 'research' },
  { name: 'research-applications', table: 'application', path: 'research/:researchId/applications/:applicationId', tag: 'research' },
  { name: 'research-researchers', table: 'research_researcher', path: 'research/:researchId/researchers/:researcherId', tag: 'research' },
  { name: 'research-volunteers', table: 'research_volunteer', path: 'research/:researchId/volunteers/:volunteerId', tag: 'research' },
  { name: 'research-devices', table: 'research_device', path: 'research/:researchId/devices/:deviceId', tag: 'research' },

  // Record sessions, target area, records, channels, annotations
  { name: 'sessions', table: 'record_session', path: 'sessions/:id', tag: 'sessions' },
  { name: 'session-target-area', table: 'target_area', path: 'sessions/:recordSessionId/target-area', tag: 'sessions', single: true },
  {
    name: 'target-area-topographical-modifiers',
    table: 'target_area_topographical_modifier',
    path: 'target-areas/:targetAreaId/topographical-modifiers/:topographicalModifierCode',
    tag: 'sessions',
  },
  { name: 'session-records', table: 'record', path: 'sessions/:recordSessionId/records/:id', tag: 'sessions' },
  {
    name: 'record-channels',
    table: 'record_channel',
    path: 'records/:recordId/channels/:id',
    tag: 'sessions',
    readOnly: CHANNEL_FILE_COLUMNS,
  },
  { name: 'session-annotations', table: 'session_annotation', path: 'sessions/:recordSessionId/annotations/:id', tag: 'sessions' },
];
