import { ReferenceShape } from '../reference/reference-shape';

const volunteerOf = { volunteerId: 'volunteerId' };

/**
 * The reference's VolunteerController (B Controllers/VolunteerController.cs): volunteers with their
 * clinical data managed as code lists of the payload (the reference has no routes for the clinical
 * rows themselves). Child rows get the reference's defaults, with valid JSON where it writes "".
 */
export const VOLUNTEERS_REFERENCE: ReferenceShape[] = [
  {
    resource: 'volunteers',
    routes: [
      { op: 'list', method: 'GET', path: 'Volunteer/GetAllPaginated', summary: 'Reference: volunteers, paged, by name' },
      { op: 'create', method: 'POST', path: 'Volunteer/New', summary: 'Reference: create a volunteer (with clinical code lists)' },
      { op: 'update', method: 'PUT', path: 'Volunteer/Update/:volunteerId', summary: 'Reference: update a volunteer (code lists replace the sets)' },
      { op: 'get', method: 'GET', path: 'Volunteer/:volunteerId', summary: 'Reference: one volunteer' },
      { op: 'remove', method: 'DELETE', path: 'Volunteer/:volunteerId', summary: 'Reference: delete a volunteer' },
    ],
    view: {
      volunteerId: 'volunteerId',
      researchNodeId: 'researchNodeId',
      volunteerCode: 'volunteerCode',
      name: 'name',
      email: 'email',
      birthDate: 'birthDate',
      gender: 'gender',
      bloodType: 'bloodType',
      height: 'height',
      weight: 'weight',
      consentStatus: 'consentStatus',
      enrolledAt: 'enrolledAt',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
      clinicalConditionCodes: { codes: 'volunteer_clinical_conditions', on: volunteerOf, column: 'snomedCode' },
      clinicalEventCodes: { codes: 'volunteer_clinical_events', on: volunteerOf, column: 'snomedCode' },
      medicationCodes: { codes: 'volunteer_medications', on: volunteerOf, column: 'medicationSnomedCode' },
      allergyIntoleranceCodes: { codes: 'volunteer_allergy_intolerances', on: volunteerOf, column: 'allergyIntoleranceSnomedCode' },
    },
    order: [['name', 'ASC']],
    nonEmpty: ['name', 'email', 'gender'],
    defaults: {
      volunteerCode: { volunteerCode: true },
      bloodType: { value: 'Unknown' },
      consentStatus: { value: 'Pending' },
    },
    notFoundCode: 'ERR_VOLUNTEER_NOT_FOUND',
    codeLists: [
      {
        field: 'clinicalConditionCodes',
        table: 'volunteer_clinical_conditions',
        on: volunteerOf,
        column: 'snomedCode',
        fill: { id: { uuid: true }, clinicalStatus: { value: 'active' }, recordedBy: { actorResearcher: true } },
      },
      {
        field: 'clinicalEventCodes',
        table: 'volunteer_clinical_events',
        on: volunteerOf,
        column: 'snomedCode',
        fill: {
          id: { uuid: true },
          eventType: { value: 'finding' },
          eventDatetime: { now: true },
          valueUnit: { value: '' },
          characteristics: { json: {} },
          recordedBy: { actorResearcher: true },
        },
      },
      {
        field: 'medicationCodes',
        table: 'volunteer_medications',
        on: volunteerOf,
        column: 'medicationSnomedCode',
        fill: {
          id: { uuid: true },
          dosage: { value: '' },
          frequency: { value: '' },
          route: { value: '' },
          startDate: { now: true },
          status: { value: 'active' },
          notes: { value: '' },
          recordedBy: { actorResearcher: true },
        },
      },
      {
        field: 'allergyIntoleranceCodes',
        table: 'volunteer_allergy_intolerances',
        on: volunteerOf,
        column: 'allergyIntoleranceSnomedCode',
        fill: {
          id: { uuid: true },
          criticality: { value: 'unable-to-assess' },
          clinicalStatus: { value: 'active' },
          manifestations: { json: [] },
          verificationStatus: { value: 'unconfirmed' },
          recordedBy: { actorResearcher: true },
        },
      },
    ],
    removed: { message: 'Volunteer deleted successfully', volunteerId: ':volunteerId' },
  },
];
