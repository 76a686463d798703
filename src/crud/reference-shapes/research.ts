import { ReferenceRoute, ReferenceShape } from '../reference/reference-shape';

const RESEARCH_STATUSES = ['Planning', 'Active', 'Completed', 'Suspended', 'Cancelled'];
const researchOf = { researchId: 'id' };
const sensorsOfDevice = { count: 'sensor', on: { deviceId: 'deviceId' } };

/** The four routes of a research sub-resource: list (live rows), add, change, remove. */
function researchChildRoutes(segment: string, key: string, noun: string, live?: string): ReferenceRoute[] {
  const base = `Research/:researchId/${segment}`;
  return [
    { op: 'list', method: 'GET', path: base, ...(live ? { where: [{ property: live, isNull: true }] } : {}), summary: `Reference: ${noun}s of a research, paged` },
    { op: 'create', method: 'POST', path: base, summary: `Reference: add a ${noun} to a research` },
    { op: 'update', method: 'PUT', path: `${base}/:${key}`, summary: `Reference: change a research's ${noun}` },
    { op: 'remove', method: 'DELETE', path: `${base}/:${key}`, summary: `Reference: remove a ${noun} from a research` },
  ];
}

/** A column of the researcher / volunteer / device a link row points at. */
const of = (table: string, key: string) => (column: string) => ({ lookup: table, on: { [key]: key }, column });
const researcher = of('researcher', 'researcherId');
const volunteer = of('volunteer', 'volunteerId');
const device = of('device', 'deviceId');

/**
 * The reference's ResearcherController, DeviceController, SensorController and ResearchController
 * (B Controllers/*.cs). Research links are removed by marking them (removedAt / withdrawnAt), as
 * the reference does; adding a removed link again revives it.
 */
export const RESEARCH_REFERENCE: ReferenceShape[] = [
  {
    resource: 'researchers',
    routes: [
      { op: 'list', method: 'GET', path: 'Researcher/GetResearchers', summary: 'Reference: researchers, paged' },
      {
        op: 'list',
        method: 'GET',
        path: 'Researcher/GetResearcherByNodeId/:researchNodeId',
        array: true,
        summary: 'Reference: every researcher of a research node',
      },
      { op: 'create', method: 'POST', path: 'Researcher/New', summary: 'Reference: create a researcher (ResearchNodeId is this node)' },
      { op: 'update', method: 'PUT', path: 'Researcher/Update/:researcherId', summary: 'Reference: update a researcher' },
      { op: 'get', method: 'GET', path: 'Researcher/:researcherId', summary: 'Reference: one researcher' },
    ],
    view: {
      researcherId: 'researcherId',
      researchNodeId: 'researchNodeId',
      name: 'name',
      email: 'email',
      institution: 'institution',
      role: 'role',
      orcid: 'orcid',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
    },
    // The ORCID column holds 16 characters: the reference stores it without dashes.
    transforms: { orcid: 'stripDashes' },
    nonEmpty: ['name', 'email', 'orcid', 'role'],
    defaults: { institution: { value: '' } },
    notFoundCode: 'ERR_RESEARCHER_NOT_FOUND',
  },
  {
    resource: 'devices',
    routes: [
      { op: 'list', method: 'GET', path: 'Device/GetDevices', summary: 'Reference: devices, paged' },
      { op: 'create', method: 'POST', path: 'Device/New', summary: 'Reference: create a device' },
      { op: 'get', method: 'GET', path: 'Device/:deviceId', summary: 'Reference: one device' },
    ],
    view: {
      deviceId: 'deviceId',
      deviceName: 'deviceName',
      manufacturer: 'manufacturer',
      model: 'model',
      additionalInfo: 'additionalInfo',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
      sensorCount: sensorsOfDevice,
    },
    nonEmpty: ['deviceName', 'manufacturer', 'model'],
    defaults: { additionalInfo: { value: '' } },
    notFoundCode: 'ERR_DEVICE_NOT_FOUND',
  },
  {
    resource: 'device-sensors',
    routes: [
      { op: 'create', method: 'POST', path: 'Sensor/New', summary: 'Reference: create a sensor of a device' },
      { op: 'update', method: 'PUT', path: 'Sensor/:sensorId', summary: 'Reference: update a sensor' },
      { op: 'get', method: 'GET', path: 'Sensor/:sensorId', summary: 'Reference: one sensor' },
      { op: 'remove', method: 'DELETE', path: 'Sensor/:sensorId', summary: 'Reference: delete a sensor' },
      {
        op: 'list',
        method: 'GET',
        path: 'Research/:researchId/sensors',
        through: { table: 'research_device', on: { deviceId: 'deviceId' }, whereNull: ['removedAt'], notFoundCode: 'ERR_RESEARCH_DEVICE_NOT_FOUND' },
        summary: 'Reference: sensors of the devices assigned to a research, paged, by name',
      },
      {
        op: 'list',
        method: 'GET',
        path: 'Research/:researchId/devices/:deviceId/sensors',
        array: true,
        through: { table: 'research_device', on: { deviceId: 'deviceId' }, whereNull: ['removedAt'], notFoundCode: 'ERR_RESEARCH_DEVICE_NOT_FOUND' },
        summary: 'Reference: sensors of one device assigned to a research',
      },
    ],
    view: {
      sensorId: 'sensorId',
      deviceId: 'deviceId',
      sensorName: 'sensorName',
      maxSamplingRate: 'maxSamplingRate',
      unit: 'unit',
      minRange: 'minRange',
      maxRange: 'maxRange',
      accuracy: 'accuracy',
      additionalInfo: 'additionalInfo',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
    },
    order: [['sensorName', 'ASC']],
    nonEmpty: ['sensorName', 'unit'],
    defaults: { additionalInfo: { value: '' } },
    notFoundCode: 'ERR_SENSOR_NOT_FOUND',
    parentNotFoundCode: 'ERR_RESEARCH_NOT_FOUND',
    removed: { deleted: true },
  },
  {
    resource: 'research',
    routes: [
      { op: 'list', method: 'GET', path: 'Research/GetAllPaginated', summary: 'Reference: research projects, paged' },
      {
        op: 'list',
        method: 'GET',
        path: 'Research/GetByStatus',
        query: { status: { property: 'status', oneOf: RESEARCH_STATUSES, required: true } },
        summary: 'Reference: research projects with a status, paged',
      },
      {
        op: 'list',
        method: 'GET',
        path: 'Research/GetActive',
        where: [{ property: 'status', equals: 'Active' }, { property: 'endDate', notPast: true }],
        summary: 'Reference: active research projects, paged',
      },
      { op: 'create', method: 'POST', path: 'Research/New', summary: 'Reference: create a research project (status Planning, starts now)' },
      { op: 'update', method: 'PUT', path: 'Research/:id', summary: 'Reference: update a research project' },
      { op: 'get', method: 'GET', path: 'Research/:id', summary: 'Reference: a research project with its node and link counts' },
      { op: 'remove', method: 'DELETE', path: 'Research/:id', summary: 'Reference: delete a research project' },
    ],
    view: {
      id: 'id',
      researchNodeId: 'researchNodeId',
      title: 'title',
      description: 'description',
      startDate: 'startDate',
      endDate: 'endDate',
      status: 'status',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
      researchNode: { researchNode: 'researchNodeId' },
      researcherCount: { count: 'research_researcher', on: researchOf, whereNull: ['removedAt'] },
      volunteerCount: { count: 'research_volunteer', on: researchOf, whereNull: ['withdrawnAt'] },
      applicationCount: { count: 'application', on: researchOf },
      deviceCount: { count: 'research_device', on: researchOf, whereNull: ['removedAt'] },
    },
    nonEmpty: ['title', 'description'],
    oneOf: { status: RESEARCH_STATUSES },
    defaults: { status: { value: 'Planning' }, startDate: { now: true } },
    notFoundCode: 'ERR_RESEARCH_NOT_FOUND',
    removed: { message: 'Research deleted successfully', researchId: ':id' },
  },
  {
    resource: 'research-researchers',
    routes: researchChildRoutes('researchers', 'researcherId', 'researcher', 'removedAt'),
    view: {
      researchId: 'researchId',
      researcherId: 'researcherId',
      researcherName: researcher('name'),
      email: researcher('email'),
      institution: researcher('institution'),
      role: researcher('role'),
      orcid: researcher('orcid'),
      isPrincipal: 'isPrincipal',
      assignedAt: 'assignedAt',
      removedAt: 'removedAt',
    },
    softRemove: {
      activeWhenNull: 'removedAt',
      set: { removedAt: { now: true } },
      reactivate: { removedAt: { value: null }, assignedAt: { now: true } },
      conflictCode: 'ERR_RESEARCHER_ALREADY_ASSIGNED',
    },
    exclusive: { property: 'isPrincipal', within: ['researchId'] },
    notFoundCode: 'ERR_RESEARCH_RESEARCHER_NOT_FOUND',
    parentNotFoundCode: 'ERR_RESEARCH_NOT_FOUND',
    referenceCodes: { researcherId: 'ERR_RESEARCHER_NOT_FOUND' },
    removed: { message: 'Researcher removed from research successfully', researchId: ':researchId', researcherId: ':researcherId' },
  },
  {
    resource: 'research-volunteers',
    routes: researchChildRoutes('volunteers', 'volunteerId', 'volunteer', 'withdrawnAt'),
    view: {
      researchId: 'researchId',
      volunteerId: 'volunteerId',
      volunteerName: volunteer('name'),
      volunteerCode: volunteer('volunteerCode'),
      email: volunteer('email'),
      enrollmentStatus: 'enrollmentStatus',
      consentDate: 'consentDate',
      consentVersion: 'consentVersion',
      exclusionReason: 'exclusionReason',
      enrolledAt: 'enrolledAt',
      withdrawnAt: 'withdrawnAt',
    },
    nonEmpty: ['consentVersion'],
    notFuture: ['consentDate'],
    oneOf: { enrollmentStatus: ['Enrolled', 'Active', 'Completed', 'Withdrawn', 'Excluded'] },
    defaults: { enrollmentStatus: { value: 'Enrolled' } },
    softRemove: {
      activeWhenNull: 'withdrawnAt',
      set: { withdrawnAt: { now: true }, enrollmentStatus: { value: 'Withdrawn' } },
      reactivate: { withdrawnAt: { value: null }, enrolledAt: { now: true }, enrollmentStatus: { value: 'Enrolled' } },
      conflictCode: 'ERR_VOLUNTEER_ALREADY_ENROLLED',
    },
    notFoundCode: 'ERR_RESEARCH_VOLUNTEER_NOT_FOUND',
    parentNotFoundCode: 'ERR_RESEARCH_NOT_FOUND',
    referenceCodes: { volunteerId: 'ERR_VOLUNTEER_NOT_FOUND' },
    removed: { message: 'Volunteer withdrawn from research successfully', researchId: ':researchId', volunteerId: ':volunteerId' },
  },
  {
    resource: 'research-applications',
    routes: researchChildRoutes('applications', 'applicationId', 'application'),
    view: {
      applicationId: 'applicationId',
      researchId: 'researchId',
      appName: 'appName',
      url: 'url',
      description: 'description',
      additionalInfo: 'additionalInfo',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
    },
    nonEmpty: ['appName', 'url'],
    urls: ['url'],
    defaults: { description: { value: '' }, additionalInfo: { value: '' } },
    notFoundCode: 'ERR_APPLICATION_NOT_FOUND',
    parentNotFoundCode: 'ERR_RESEARCH_NOT_FOUND',
    removed: { message: 'Application deleted successfully', applicationId: ':applicationId' },
  },
  {
    resource: 'research-devices',
    routes: researchChildRoutes('devices', 'deviceId', 'device', 'removedAt'),
    view: {
      researchId: 'researchId',
      deviceId: 'deviceId',
      deviceName: device('deviceName'),
      manufacturer: device('manufacturer'),
      model: device('model'),
      role: 'role',
      calibrationStatus: 'calibrationStatus',
      lastCalibrationDate: 'lastCalibrationDate',
      addedAt: 'addedAt',
      removedAt: 'removedAt',
      sensorCount: sensorsOfDevice,
    },
    nonEmpty: ['role', 'calibrationStatus'],
    oneOf: { calibrationStatus: ['NotCalibrated', 'Calibrated', 'Expired', 'InProgress'] },
    softRemove: {
      activeWhenNull: 'removedAt',
      set: { removedAt: { now: true } },
      reactivate: { removedAt: { value: null }, addedAt: { now: true } },
      conflictCode: 'ERR_DEVICE_ALREADY_ASSIGNED',
    },
    notFoundCode: 'ERR_RESEARCH_DEVICE_NOT_FOUND',
    parentNotFoundCode: 'ERR_RESEARCH_NOT_FOUND',
    referenceCodes: { deviceId: 'ERR_DEVICE_NOT_FOUND' },
    removed: { message: 'Device removed from research successfully', researchId: ':researchId', deviceId: ':deviceId' },
  },
];
