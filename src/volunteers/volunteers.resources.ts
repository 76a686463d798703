import { ResourceDefinition } from '../crud/resource-definition';

/** CRUD resources of this module (Volunteers and their clinical data); see ResourceDefinition for the path rules. */
export const VOLUNTEERS_RESOURCES: ResourceDefinition[] = [
  { name: 'volunteers', table: 'volunteer', path: 'volunteers/:volunteerId', tag: 'volunteers' },
  { name: 'volunteer-vital-signs', table: 'vital_signs', path: 'volunteers/:volunteerId/vital-signs/:id', tag: 'volunteers' },
  { name: 'volunteer-clinical-conditions', table: 'volunteer_clinical_conditions', path: 'volunteers/:volunteerId/clinical-conditions/:id', tag: 'volunteers' },
  { name: 'volunteer-clinical-events', table: 'volunteer_clinical_events', path: 'volunteers/:volunteerId/clinical-events/:id', tag: 'volunteers' },
  { name: 'volunteer-medications', table: 'volunteer_medications', path: 'volunteers/:volunteerId/medications/:id', tag: 'volunteers' },
  { name: 'volunteer-allergy-intolerances', table: 'volunteer_allergy_intolerances', path: 'volunteers/:volunteerId/allergy-intolerances/:id', tag: 'volunteers' },
];
