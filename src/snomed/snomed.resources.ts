import { ResourceDefinition } from '../crud/resource-definition';

/** CRUD resources of this module (SNOMED / terminology catalogs); see ResourceDefinition for the path rules. */
export const SNOMED_RESOURCES: ResourceDefinition[] = [
  { name: 'snomed-body-regions', table: 'snomed_body_region', path: 'snomed/body-regions/:snomedCode', tag: 'snomed' },
  { name: 'snomed-body-structures', table: 'snomed_body_structure', path: 'snomed/body-structures/:snomedCode', tag: 'snomed' },
  { name: 'snomed-topographical-modifiers', table: 'snomed_topographical_modifier', path: 'snomed/topographical-modifiers/:code', tag: 'snomed' },
  { name: 'snomed-lateralities', table: 'snomed_laterality', path: 'snomed/lateralities/:code', tag: 'snomed' },
  { name: 'snomed-severity-codes', table: 'snomed_severity_codes', path: 'snomed/severity-codes/:code', tag: 'snomed' },
  { name: 'snomed-clinical-conditions', table: 'clinical_conditions', path: 'snomed/clinical-conditions/:snomedCode', tag: 'snomed' },
  { name: 'snomed-clinical-events', table: 'clinical_events', path: 'snomed/clinical-events/:snomedCode', tag: 'snomed' },
  { name: 'snomed-medications', table: 'medications', path: 'snomed/medications/:snomedCode', tag: 'snomed' },
  { name: 'snomed-allergy-intolerances', table: 'allergy_intolerances', path: 'snomed/allergy-intolerances/:snomedCode', tag: 'snomed' },
];
