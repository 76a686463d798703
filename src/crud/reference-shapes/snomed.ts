import { ErrorCode } from '../../core/errors/error-codes';
import { ReferenceShape, ReferenceView } from '../reference/reference-shape';

/**
 * The reference's SNOMED controller (B Controllers/SNOMEDController.cs): five routes per catalog
 * under /api/SNOMED/{Catalog}. Lists show active rows only (the reference drops inactive rows after
 * paging; here before, so a page is full). Laterality and severity codes have no reference routes.
 */
function catalog(
  resource: string,
  catalogName: string,
  plural: string,
  key: string,
  view: ReferenceView,
  notFoundCode: ErrorCode,
  rules: Omit<ReferenceShape, 'resource' | 'routes' | 'view' | 'notFoundCode'> = {},
): ReferenceShape {
  const base = `SNOMED/${catalogName}`;
  const active = [{ property: 'isActive', equals: true }];
  return {
    resource,
    routes: [
      { op: 'list', method: 'GET', path: `${base}/GetAll${plural}Paginated`, where: active, summary: `Reference: active ${plural}, paged` },
      { op: 'list', method: 'GET', path: `${base}/GetActive${plural}`, where: active, array: true, summary: `Reference: every active ${catalogName}` },
      { op: 'create', method: 'POST', path: `${base}/New`, summary: `Reference: create a ${catalogName}` },
      { op: 'update', method: 'PUT', path: `${base}/Update/:${key}`, summary: `Reference: update a ${catalogName}` },
      { op: 'get', method: 'GET', path: `${base}/:${key}`, summary: `Reference: one ${catalogName} by code` },
    ],
    view,
    notFoundCode,
    ...rules,
  };
}

const STAMPS = { isActive: 'isActive', createdAt: 'createdAt', updatedAt: 'updatedAt' };
const REGION = { snomedCode: 'snomedCode', displayName: 'displayName', description: 'description' };
/** SnomedBodyRegionDTO: a region with its parent region (one level). */
const REGION_DTO: ReferenceView = {
  ...REGION,
  parentRegion: { object: 'snomed_body_region', on: { snomedCode: 'parentRegionCode' }, view: { ...REGION, parentRegion: { value: null } } },
};
const STRUCTURE = { snomedCode: 'snomedCode', displayName: 'displayName', description: 'description', type: 'structureType' };

export const SNOMED_REFERENCE: ReferenceShape[] = [
  catalog('snomed-body-regions', 'BodyRegion', 'BodyRegions', 'snomedCode', { ...REGION_DTO, parentRegionCode: 'parentRegionCode', ...STAMPS }, 'ERR_SNOMED_BODY_REGION_NOT_FOUND', {
    nonEmpty: ['snomedCode', 'displayName'],
    defaults: { description: { value: '' } },
    // The reference sets the parent to what the update sends: leaving it out clears it.
    replaceOnUpdate: ['parentRegionCode'],
  }),
  catalog(
    'snomed-body-structures',
    'BodyStructure',
    'BodyStructures',
    'snomedCode',
    {
      ...STRUCTURE,
      bodyRegion: { object: 'snomed_body_region', on: { snomedCode: 'bodyRegionCode' }, view: REGION_DTO },
      parentStructure: {
        object: 'snomed_body_structure',
        on: { snomedCode: 'parentStructureCode' },
        view: { ...STRUCTURE, bodyRegion: { value: null }, parentStructure: { value: null } },
      },
      bodyRegionCode: 'bodyRegionCode',
      structureType: 'structureType',
      parentStructureCode: 'parentStructureCode',
      ...STAMPS,
    },
    'ERR_SNOMED_BODY_STRUCTURE_NOT_FOUND',
    { aliases: { type: 'structureType' }, nonEmpty: ['snomedCode', 'displayName', 'bodyRegionCode', 'structureType'], defaults: { description: { value: '' } } },
  ),
  catalog(
    'snomed-topographical-modifiers',
    'TopographicalModifier',
    'TopographicalModifiers',
    'code',
    { snomedCode: 'code', code: 'code', displayName: 'displayName', category: 'category', description: 'description', ...STAMPS },
    'ERR_TOPOGRAPHICAL_MODIFIER_NOT_FOUND',
    { aliases: { snomedCode: 'code' }, nonEmpty: ['code', 'displayName', 'category'], defaults: { description: { value: '' } } },
  ),
  catalog('snomed-clinical-conditions', 'ClinicalCondition', 'ClinicalConditions', 'snomedCode', { ...REGION, ...STAMPS }, 'ERR_CLINICAL_CONDITION_NOT_FOUND', {
    nonEmpty: ['snomedCode', 'displayName'],
    defaults: { description: { value: '' } },
  }),
  catalog('snomed-clinical-events', 'ClinicalEvent', 'ClinicalEvents', 'snomedCode', { ...REGION, ...STAMPS }, 'ERR_CLINICAL_EVENT_NOT_FOUND', {
    nonEmpty: ['snomedCode', 'displayName'],
    defaults: { description: { value: '' } },
  }),
  catalog(
    'snomed-medications',
    'Medication',
    'Medications',
    'snomedCode',
    { snomedCode: 'snomedCode', medicationName: 'medicationName', activeIngredient: 'activeIngredient', anvisaCode: 'anvisaCode', ...STAMPS },
    'ERR_MEDICATION_NOT_FOUND',
    { nonEmpty: ['snomedCode', 'medicationName'], defaults: { activeIngredient: { value: '' }, anvisaCode: { value: '' } } },
  ),
  catalog(
    'snomed-allergy-intolerances',
    'AllergyIntolerance',
    'AllergyIntolerances',
    'snomedCode',
    { snomedCode: 'snomedCode', category: 'category', substanceName: 'substanceName', type: 'type', ...STAMPS },
    'ERR_ALLERGY_INTOLERANCE_NOT_FOUND',
    { nonEmpty: ['snomedCode', 'substanceName'], defaults: { category: { value: '' }, type: { value: '' } } },
  ),
];
