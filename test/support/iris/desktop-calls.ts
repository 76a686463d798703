/**
 * Every call the IRIS desktop and its middleware make (and the mobile app's extra routes), copied
 * from ../shared/reference/iris-desktop-api.md §1.7, §3 and the DTOs of §4: method, path as IRIS
 * writes it, transport, answer kind and the members IRIS reads or the reference sends. The contract
 * test replays each of them and fails when a route or one of these members disappears.
 *
 * Transport: P plain; C channel; CS channel + node session; CSJ channel + session + user JWT;
 * PJ plain + user JWT.
 */
export type Transport = 'P' | 'C' | 'CS' | 'CSJ' | 'PJ';
export type AnswerKind = 'object' | 'page' | 'array' | 'zip';

export interface DesktopCall {
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  transport: Transport;
  kind: AnswerKind;
  /** Members of the answer object (of each item for pages and arrays). */
  fields: string[];
  /** Called by the mobile app only (§3.11). */
  mobile?: boolean;
}

const f = (text: string) => text.split(/\s+/).filter(Boolean);

const USER = f('id login role createdAt updatedAt researcher');
const RESEARCHER = f('researcherId researchNodeId name email institution role orcid');
const VOLUNTEER = f(
  'volunteerId researchNodeId volunteerCode name email birthDate gender bloodType height weight consentStatus enrolledAt updatedAt ' +
    'clinicalConditionCodes clinicalEventCodes medicationCodes allergyIntoleranceCodes',
);
const REGION = f('snomedCode displayName description parentRegion');
const STRUCTURE = f('snomedCode displayName description type bodyRegion parentStructure');
const MODIFIER = f('snomedCode displayName category description');
const CONDITION = f('snomedCode displayName description');
const RESEARCH = f('id title description endDate status researchNode');
const RESEARCH_DETAIL = [...RESEARCH, ...f('researchNodeId startDate createdAt updatedAt researcherCount volunteerCount applicationCount deviceCount')];
const RESEARCH_RESEARCHER = f('researchId researcherId researcherName email institution role orcid isPrincipal assignedAt removedAt');
const RESEARCH_VOLUNTEER = f('researchId volunteerId volunteerName volunteerCode email enrollmentStatus consentDate consentVersion exclusionReason enrolledAt withdrawnAt');
const APPLICATION = f('applicationId researchId appName url description additionalInfo createdAt updatedAt');
const RESEARCH_DEVICE = f('researchId deviceId deviceName manufacturer model role calibrationStatus lastCalibrationDate addedAt removedAt sensorCount');
const DEVICE = f('deviceId deviceName manufacturer model additionalInfo createdAt sensorCount');
const SENSOR = f('sensorId deviceId sensorName maxSamplingRate unit minRange maxRange accuracy additionalInfo createdAt updatedAt');
const CONNECTION = f(
  'id nodeName nodeUrl status nodeAccessLevel contactInfo certificate certificateFingerprint institutionDetails registeredAt updatedAt lastSyncedAt lastSyncStatus',
);
const SESSION = f('id researchId volunteerId targetAreaId startAt finishedAt createdAt updatedAt');

const snomed = (catalog: string, plural: string, fields: string[]): DesktopCall[] => [
  { id: `S-${catalog}-list`, method: 'GET', path: `/api/SNOMED/${catalog}/GetAll${plural}Paginated?page=1&pageSize=10`, transport: 'CSJ', kind: 'page', fields },
  { id: `S-${catalog}-active`, method: 'GET', path: `/api/SNOMED/${catalog}/GetActive${plural}`, transport: 'CSJ', kind: 'array', fields },
  { id: `S-${catalog}-new`, method: 'POST', path: `/api/SNOMED/${catalog}/New`, transport: 'CSJ', kind: 'object', fields: f('snomedCode displayName description') },
  { id: `S-${catalog}-get`, method: 'GET', path: `/api/SNOMED/${catalog}/{code}`, transport: 'CSJ', kind: 'object', fields },
  { id: `S-${catalog}-update`, method: 'PUT', path: `/api/SNOMED/${catalog}/Update/{code}`, transport: 'CSJ', kind: 'object', fields },
];

export const DESKTOP_CALLS: DesktopCall[] = [
  // §1.7 handshake and session
  { id: 'H1', method: 'POST', path: '/api/channel/open', transport: 'P', kind: 'object', fields: f('protocolVersion ephemeralPublicKey keyExchangeAlgorithm selectedCipher timestamp nonce') },
  { id: 'H2', method: 'POST', path: '/api/node/identify', transport: 'C', kind: 'object', fields: f('isKnown status nodeId registrationId message') },
  { id: 'H3', method: 'POST', path: '/api/node/challenge', transport: 'C', kind: 'object', fields: f('challengeData challengeTimestamp challengeTtlSeconds expiresAt') },
  { id: 'H4', method: 'POST', path: '/api/node/authenticate', transport: 'C', kind: 'object', fields: f('authenticated sessionToken sessionExpiresAt nodeId') },
  { id: 'H5', method: 'POST', path: '/api/session/renew', transport: 'CS', kind: 'object', fields: f('sessionToken nodeId expiresAt remainingSeconds message timestamp') },
  { id: 'H6', method: 'POST', path: '/api/session/revoke', transport: 'CS', kind: 'object', fields: f('sessionToken nodeId revoked message timestamp') },
  // §3.1 auth
  { id: 'A1', method: 'POST', path: '/api/userauth/login', transport: 'CS', kind: 'object', fields: f('token expiration') },
  { id: 'A2', method: 'POST', path: '/api/userauth/refreshtoken', transport: 'CSJ', kind: 'object', fields: f('token expiration') },
  // §3.2 users
  { id: 'U1', method: 'GET', path: '/api/user/GetUsers?page=1&pageSize=10', transport: 'CSJ', kind: 'page', fields: USER },
  { id: 'U2', method: 'POST', path: '/api/user/New', transport: 'CSJ', kind: 'object', fields: f('id login role createdAt updatedAt') },
  { id: 'U3', method: 'GET', path: '/api/user/{id}', transport: 'CSJ', kind: 'object', fields: USER },
  { id: 'U4', method: 'PUT', path: '/api/user/Update/{id}', transport: 'CSJ', kind: 'object', fields: USER },
  // §3.3 researchers
  { id: 'R1', method: 'GET', path: '/api/researcher/GetResearchers?page=1&pageSize=10', transport: 'CSJ', kind: 'page', fields: RESEARCHER },
  { id: 'R2', method: 'POST', path: '/api/researcher/New', transport: 'CSJ', kind: 'object', fields: RESEARCHER },
  { id: 'R3', method: 'PUT', path: '/api/researcher/Update/{id}', transport: 'CSJ', kind: 'object', fields: RESEARCHER },
  { id: 'R4', method: 'GET', path: '/api/researcher/{id}', transport: 'CSJ', kind: 'object', fields: RESEARCHER },
  { id: 'R5', method: 'GET', path: '/api/researcher/GetResearcherByNodeId/{nodeId}', transport: 'CSJ', kind: 'array', fields: RESEARCHER },
  // §3.4 volunteers
  { id: 'V1', method: 'GET', path: '/api/Volunteer/GetAllPaginated?page=1&pageSize=1000', transport: 'CSJ', kind: 'page', fields: VOLUNTEER },
  { id: 'V2', method: 'GET', path: '/api/Volunteer/{id}', transport: 'CSJ', kind: 'object', fields: VOLUNTEER },
  { id: 'V3', method: 'POST', path: '/api/Volunteer/New', transport: 'CSJ', kind: 'object', fields: VOLUNTEER },
  { id: 'V4', method: 'PUT', path: '/api/Volunteer/Update/{id}', transport: 'CSJ', kind: 'object', fields: VOLUNTEER },
  { id: 'V5', method: 'DELETE', path: '/api/Volunteer/{id}', transport: 'CSJ', kind: 'object', fields: f('message volunteerId') },
  // §3.5 SNOMED
  ...snomed('BodyRegion', 'BodyRegions', REGION),
  ...snomed('BodyStructure', 'BodyStructures', STRUCTURE),
  ...snomed('TopographicalModifier', 'TopographicalModifiers', MODIFIER),
  ...snomed('ClinicalCondition', 'ClinicalConditions', CONDITION),
  // §3.6 research
  { id: 'RS1', method: 'GET', path: '/api/Research/GetAllPaginated?page=1&pageSize=10', transport: 'CSJ', kind: 'page', fields: RESEARCH },
  { id: 'RS2', method: 'POST', path: '/api/Research/New', transport: 'CSJ', kind: 'object', fields: f('id researchNodeId title description startDate endDate status createdAt updatedAt') },
  { id: 'RS3', method: 'PUT', path: '/api/Research/{id}', transport: 'CSJ', kind: 'object', fields: RESEARCH_DETAIL },
  { id: 'RS4', method: 'GET', path: '/api/Research/{id}', transport: 'CSJ', kind: 'object', fields: RESEARCH_DETAIL },
  { id: 'RS5', method: 'DELETE', path: '/api/Research/{id}', transport: 'CSJ', kind: 'object', fields: f('message researchId') },
  { id: 'RS6', method: 'GET', path: '/api/Research/{rid}/researchers', transport: 'CSJ', kind: 'page', fields: RESEARCH_RESEARCHER },
  { id: 'RS7', method: 'POST', path: '/api/Research/{rid}/researchers', transport: 'CSJ', kind: 'object', fields: RESEARCH_RESEARCHER },
  { id: 'RS8', method: 'PUT', path: '/api/Research/{rid}/researchers/{researcherId}', transport: 'CSJ', kind: 'object', fields: RESEARCH_RESEARCHER },
  { id: 'RS9', method: 'DELETE', path: '/api/Research/{rid}/researchers/{researcherId}', transport: 'CSJ', kind: 'object', fields: f('message researchId researcherId') },
  { id: 'RS10', method: 'GET', path: '/api/Research/{rid}/volunteers', transport: 'CSJ', kind: 'page', fields: RESEARCH_VOLUNTEER },
  { id: 'RS11', method: 'POST', path: '/api/Research/{rid}/volunteers', transport: 'CSJ', kind: 'object', fields: RESEARCH_VOLUNTEER },
  { id: 'RS12', method: 'PUT', path: '/api/Research/{rid}/volunteers/{volunteerId}', transport: 'CSJ', kind: 'object', fields: RESEARCH_VOLUNTEER },
  { id: 'RS13', method: 'DELETE', path: '/api/Research/{rid}/volunteers/{volunteerId}', transport: 'CSJ', kind: 'object', fields: f('message researchId volunteerId') },
  { id: 'RS14', method: 'GET', path: '/api/Research/{rid}/applications', transport: 'CSJ', kind: 'page', fields: APPLICATION },
  { id: 'RS15', method: 'POST', path: '/api/Research/{rid}/applications', transport: 'CSJ', kind: 'object', fields: APPLICATION },
  { id: 'RS16', method: 'PUT', path: '/api/Research/{rid}/applications/{applicationId}', transport: 'CSJ', kind: 'object', fields: APPLICATION },
  { id: 'RS17', method: 'DELETE', path: '/api/Research/{rid}/applications/{applicationId}', transport: 'CSJ', kind: 'object', fields: f('message applicationId') },
  { id: 'RS18', method: 'GET', path: '/api/Research/{rid}/devices', transport: 'CSJ', kind: 'page', fields: RESEARCH_DEVICE },
  { id: 'RS19', method: 'POST', path: '/api/Research/{rid}/devices', transport: 'CSJ', kind: 'object', fields: RESEARCH_DEVICE },
  { id: 'RS20', method: 'PUT', path: '/api/Research/{rid}/devices/{deviceId}', transport: 'CSJ', kind: 'object', fields: RESEARCH_DEVICE },
  { id: 'RS21', method: 'DELETE', path: '/api/Research/{rid}/devices/{deviceId}', transport: 'CSJ', kind: 'object', fields: f('message researchId deviceId') },
  { id: 'RS22', method: 'GET', path: '/api/Research/{rid}/sensors', transport: 'CSJ', kind: 'page', fields: SENSOR },
  { id: 'RS23', method: 'GET', path: '/api/Research/{rid}/devices/{deviceId}/sensors', transport: 'CSJ', kind: 'array', fields: SENSOR },
  { id: 'RS24', method: 'GET', path: '/api/Research/{id}/export', transport: 'PJ', kind: 'zip', fields: [] },
  // §3.7 devices and sensors
  { id: 'DV1', method: 'POST', path: '/api/Device/New', transport: 'CSJ', kind: 'object', fields: DEVICE },
  { id: 'SN1', method: 'POST', path: '/api/Sensor/New', transport: 'CSJ', kind: 'object', fields: SENSOR },
  { id: 'SN2', method: 'PUT', path: '/api/Sensor/{id}', transport: 'CSJ', kind: 'object', fields: SENSOR },
  { id: 'SN3', method: 'DELETE', path: '/api/Sensor/{id}', transport: 'CSJ', kind: 'object', fields: f('deleted') },
  // §3.8 node connections
  { id: 'N1', method: 'GET', path: '/api/node/GetActiveNodeConnectionsPaginated?page=1&pageSize=100', transport: 'CSJ', kind: 'page', fields: CONNECTION },
  { id: 'N2', method: 'GET', path: '/api/node/GetAllUnaprovedPaginated?page=1&pageSize=10', transport: 'CSJ', kind: 'page', fields: CONNECTION },
  { id: 'N3', method: 'POST', path: '/api/node/NewConnection', transport: 'CSJ', kind: 'object', fields: f('id nodeName certificate certificateFingerprint nodeUrl status nodeAccessLevel contactInfo institutionDetails registeredAt updatedAt') },
  { id: 'N4', method: 'POST', path: '/api/node/{id}/approve', transport: 'CSJ', kind: 'object', fields: [] },
  { id: 'N5', method: 'POST', path: '/api/node/{id}/reject', transport: 'CSJ', kind: 'object', fields: [] },
  { id: 'N6', method: 'GET', path: '/api/node/{id}', transport: 'CSJ', kind: 'object', fields: CONNECTION },
  { id: 'N7', method: 'PUT', path: '/api/node/Update/{id}', transport: 'CSJ', kind: 'object', fields: CONNECTION },
  // §3.9 sync
  { id: 'SY1', method: 'POST', path: '/api/sync/preview', transport: 'CSJ', kind: 'object', fields: f('manifest autoResolvedSince remoteNodeId') },
  { id: 'SY2', method: 'POST', path: '/api/sync/pull', transport: 'CSJ', kind: 'object', fields: f('status startedAt completedAt entitiesReceived') },
  { id: 'SY3', method: 'GET', path: '/api/sync/log?remoteNodeId={id}&page=1&pageSize=1', transport: 'CSJ', kind: 'object', fields: f('data page pageSize totalRecords totalPages') },
  // §3.11 mobile only
  { id: 'M1', method: 'POST', path: '/api/ClinicalSession/New', transport: 'CSJ', kind: 'object', fields: SESSION, mobile: true },
  { id: 'M2', method: 'GET', path: '/api/ClinicalSession/GetAllPaginated?page=1&pageSize=50', transport: 'CSJ', kind: 'page', fields: SESSION, mobile: true },
  { id: 'M3', method: 'PUT', path: '/api/ClinicalSession/Update/{id}', transport: 'CSJ', kind: 'object', fields: SESSION, mobile: true },
  { id: 'M4', method: 'POST', path: '/api/ClinicalSession/{sessionId}/recordings/New', transport: 'CSJ', kind: 'object', fields: f('id recordSessionId collectionDate sessionId recordType createdAt updatedAt'), mobile: true },
  { id: 'M5', method: 'POST', path: '/api/Upload/recording', transport: 'CSJ', kind: 'object', fields: f('message fileUrl'), mobile: true },
  { id: 'M6', method: 'POST', path: '/api/ClinicalSession/{sessionId}/annotations/New', transport: 'CSJ', kind: 'object', fields: f('id recordSessionId text createdAt updatedAt'), mobile: true },
  { id: 'M7', method: 'GET', path: '/api/research/GetByStatus?status=Active&page=1&pageSize=10', transport: 'CSJ', kind: 'page', fields: RESEARCH, mobile: true },
  { id: 'M8', method: 'GET', path: '/api/research/GetActive?page=1&pageSize=10', transport: 'CSJ', kind: 'page', fields: RESEARCH, mobile: true },
];
