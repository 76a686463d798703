import { ResourceDefinition } from '../crud/resource-definition';

/** CRUD resources of this module (Researchers, devices and sensors; research projects, their applications and links); see ResourceDefinition for the path rules. */
export const RESEARCH_RESOURCES: ResourceDefinition[] = [
  { name: 'researchers', table: 'researcher', path: 'researchers/:researcherId', tag: 'research' },
  { name: 'devices', table: 'device', path: 'devices/:deviceId', tag: 'devices' },
  { name: 'device-sensors', table: 'sensor', path: 'devices/:deviceId/sensors/:sensorId', tag: 'devices' },
  { name: 'research', table: 'research', path: 'research/:id', tag: 'research' },
  { name: 'research-applications', table: 'application', path: 'research/:researchId/applications/:applicationId', tag: 'research' },
  { name: 'research-researchers', table: 'research_researcher', path: 'research/:researchId/researchers/:researcherId', tag: 'research' },
  { name: 'research-volunteers', table: 'research_volunteer', path: 'research/:researchId/volunteers/:volunteerId', tag: 'research' },
  { name: 'research-devices', table: 'research_device', path: 'research/:researchId/devices/:deviceId', tag: 'research' },
];
