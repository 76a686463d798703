import { startTestNode, TestNode } from '../../support/test-node';
import { listRouteAccess } from '../../support/route-access';

/**
 * Every route of the node with the access rule it declares. A new or changed route changes this
 * table, so the change shows up in review; a route without a declaration fails on its own.
 * Regenerate the table by copying the "Received" side of a failing run.
 */
const EXPECTED = `
DELETE /api/devices/:deviceId                                                              user
DELETE /api/devices/:deviceId/sensors/:sensorId                                            user
DELETE /api/records/:recordId/channels/:id                                                 user
DELETE /api/research/:id                                                                   user
DELETE /api/Research/:id                                                                   user
DELETE /api/research/:researchId/applications/:applicationId                               user
DELETE /api/Research/:researchId/applications/:applicationId                               user
DELETE /api/research/:researchId/devices/:deviceId                                         user
DELETE /api/Research/:researchId/devices/:deviceId                                         user
DELETE /api/research/:researchId/researchers/:researcherId                                 user
DELETE /api/Research/:researchId/researchers/:researcherId                                 user
DELETE /api/research/:researchId/volunteers/:volunteerId                                   user
DELETE /api/Research/:researchId/volunteers/:volunteerId                                   user
DELETE /api/researchers/:researcherId                                                      user
DELETE /api/Sensor/:sensorId                                                               user
DELETE /api/sessions/:id                                                                   user
DELETE /api/sessions/:recordSessionId/annotations/:id                                      user
DELETE /api/sessions/:recordSessionId/records/:id                                          user
DELETE /api/sessions/:recordSessionId/target-area                                          user
DELETE /api/snomed/allergy-intolerances/:snomedCode                                        user
DELETE /api/snomed/body-regions/:snomedCode                                                user
DELETE /api/snomed/body-structures/:snomedCode                                             user
DELETE /api/snomed/clinical-conditions/:snomedCode                                         user
DELETE /api/snomed/clinical-events/:snomedCode                                             user
DELETE /api/snomed/lateralities/:code                                                      user
DELETE /api/snomed/medications/:snomedCode                                                 user
DELETE /api/snomed/severity-codes/:code                                                    user
DELETE /api/snomed/topographical-modifiers/:code                                           user
DELETE /api/target-areas/:targetAreaId/topographical-modifiers/:topographicalModifierCode  user
DELETE /api/users/:id                                                                      user(Admin)
DELETE /api/Volunteer/:volunteerId                                                         user
DELETE /api/volunteers/:volunteerId                                                        user
DELETE /api/volunteers/:volunteerId/allergy-intolerances/:id                               user
DELETE /api/volunteers/:volunteerId/clinical-conditions/:id                                user
DELETE /api/volunteers/:volunteerId/clinical-events/:id                                    user
DELETE /api/volunteers/:volunteerId/medications/:id                                        user
DELETE /api/volunteers/:volunteerId/vital-signs/:id                                        user
GET /api/channel/:channelId                                                                public
GET /api/channel/health                                                                    public
GET /api/ClinicalSession/GetAllPaginated                                                   user
GET /api/Device/:deviceId                                                                  user
GET /api/Device/GetDevices                                                                 user
GET /api/devices                                                                           user
GET /api/devices/:deviceId                                                                 user
GET /api/devices/:deviceId/sensors                                                         user
GET /api/devices/:deviceId/sensors/:sensorId                                               user
GET /api/node/:id                                                                          user(Admin)
GET /api/node/GetActiveNodeConnectionsPaginated                                            user(Admin)
GET /api/node/GetAllUnaprovedPaginated                                                     user(Admin)
GET /api/node/identity                                                                     public
GET /api/node/nodes                                                                        user(Admin)
GET /api/record-channels/:id/file                                                          user
GET /api/records/:recordId/channels                                                        user
GET /api/records/:recordId/channels/:id                                                    user
GET /api/research                                                                          user
GET /api/research/:id                                                                      user
GET /api/Research/:id                                                                      user
GET /api/Research/:id/export                                                               user
GET /api/research/:researchId/applications                                                 user
GET /api/Research/:researchId/applications                                                 user
GET /api/research/:researchId/applications/:applicationId                                  user
GET /api/research/:researchId/devices                                                      user
GET /api/Research/:researchId/devices                                                      user
GET /api/research/:researchId/devices/:deviceId                                            user
GET /api/Research/:researchId/devices/:deviceId/sensors                                    user
GET /api/research/:researchId/researchers                                                  user
GET /api/Research/:researchId/researchers                                                  user
GET /api/research/:researchId/researchers/:researcherId                                    user
GET /api/Research/:researchId/sensors                                                      user
GET /api/research/:researchId/volunteers                                                   user
GET /api/Research/:researchId/volunteers                                                   user
GET /api/research/:researchId/volunteers/:volunteerId                                      user
GET /api/Research/GetActive                                                                user
GET /api/Research/GetAllPaginated                                                          user
GET /api/Research/GetByStatus                                                              user
GET /api/Researcher/:researcherId                                                          user
GET /api/Researcher/GetResearcherByNodeId/:researchNodeId                                  user
GET /api/Researcher/GetResearchers                                                         user
GET /api/researchers                                                                       user
GET /api/researchers/:researcherId                                                         user
GET /api/Sensor/:sensorId                                                                  user
GET /api/sessions                                                                          user
GET /api/sessions/:id                                                                      user
GET /api/sessions/:recordSessionId/annotations                                             user
GET /api/sessions/:recordSessionId/annotations/:id                                         user
GET /api/sessions/:recordSessionId/records                                                 user
GET /api/sessions/:recordSessionId/records/:id                                             user
GET /api/sessions/:recordSessionId/target-area                                             user
GET /api/snomed/allergy-intolerances                                                       user
GET /api/snomed/allergy-intolerances/:snomedCode                                           user
GET /api/SNOMED/AllergyIntolerance/:snomedCode                                             user
GET /api/SNOMED/AllergyIntolerance/GetActiveAllergyIntolerances                            user
GET /api/SNOMED/AllergyIntolerance/GetAllAllergyIntolerancesPaginated                      user
GET /api/snomed/body-regions                                                               user
GET /api/snomed/body-regions/:snomedCode                                                   user
GET /api/snomed/body-structures                                                            user
GET /api/snomed/body-structures/:snomedCode                                                user
GET /api/SNOMED/BodyRegion/:snomedCode                                                     user
GET /api/SNOMED/BodyRegion/GetActiveBodyRegions                                            user
GET /api/SNOMED/BodyRegion/GetAllBodyRegionsPaginated                                      user
GET /api/SNOMED/BodyStructure/:snomedCode                                                  user
GET /api/SNOMED/BodyStructure/GetActiveBodyStructures                                      user
GET /api/SNOMED/BodyStructure/GetAllBodyStructuresPaginated                                user
GET /api/snomed/clinical-conditions                                                        user
GET /api/snomed/clinical-conditions/:snomedCode                                            user
GET /api/snomed/clinical-events                                                            user
GET /api/snomed/clinical-events/:snomedCode                                                user
GET /api/SNOMED/ClinicalCondition/:snomedCode                                              user
GET /api/SNOMED/ClinicalCondition/GetActiveClinicalConditions                              user
GET /api/SNOMED/ClinicalCondition/GetAllClinicalConditionsPaginated                        user
GET /api/SNOMED/ClinicalEvent/:snomedCode                                                  user
GET /api/SNOMED/ClinicalEvent/GetActiveClinicalEvents                                      user
GET /api/SNOMED/ClinicalEvent/GetAllClinicalEventsPaginated                                user
GET /api/snomed/lateralities                                                               user
GET /api/snomed/lateralities/:code                                                         user
GET /api/SNOMED/Medication/:snomedCode                                                     user
GET /api/SNOMED/Medication/GetActiveMedications                                            user
GET /api/SNOMED/Medication/GetAllMedicationsPaginated                                      user
GET /api/snomed/medications                                                                user
GET /api/snomed/medications/:snomedCode                                                    user
GET /api/snomed/severity-codes                                                             user
GET /api/snomed/severity-codes/:code                                                       user
GET /api/snomed/topographical-modifiers                                                    user
GET /api/snomed/topographical-modifiers/:code                                              user
GET /api/SNOMED/TopographicalModifier/:code                                                user
GET /api/SNOMED/TopographicalModifier/GetActiveTopographicalModifiers                      user
GET /api/SNOMED/TopographicalModifier/GetAllTopographicalModifiersPaginated                user
GET /api/sync/conflicts                                                                    user(Admin|Researcher) or node(ReadOnly)
GET /api/sync/devices                                                                      node(ReadWrite)
GET /api/sync/jobs/:id                                                                     user(Admin|Researcher) or node(ReadOnly)
GET /api/sync/jobs/:id/events                                                              user(Admin|Researcher) or node(ReadOnly)
GET /api/sync/log                                                                          user(Admin|Researcher) or node(ReadOnly)
GET /api/sync/pull-request/:jobId                                                          node(ReadOnly)
GET /api/sync/push/:remoteNodeId/jobs/:jobId                                               user(Admin|Researcher)
GET /api/sync/recordings/:recordChannelId/file                                             node(ReadWrite)
GET /api/sync/recordings/:recordChannelId/stream                                           node(ReadWrite)
GET /api/sync/research                                                                     node(ReadWrite)
GET /api/sync/researchers                                                                  node(ReadWrite)
GET /api/sync/sessions                                                                     node(ReadWrite)
GET /api/sync/snomed/:entityType                                                           node(ReadWrite)
GET /api/sync/status                                                                       user(Admin|Researcher)
GET /api/sync/verify                                                                       user(Admin|Researcher) or node(ReadWrite)
GET /api/sync/volunteers                                                                   node(ReadWrite)
GET /api/target-areas/:targetAreaId/topographical-modifiers                                user
GET /api/target-areas/:targetAreaId/topographical-modifiers/:topographicalModifierCode     user
GET /api/User/:id                                                                          user(Admin)
GET /api/User/GetUsers                                                                     user(Admin)
GET /api/userauth/me                                                                       user
GET /api/users                                                                             user(Admin)
GET /api/users/:id                                                                         user(Admin)
GET /api/Volunteer/:volunteerId                                                            user
GET /api/Volunteer/GetAllPaginated                                                         user
GET /api/volunteers                                                                        user
GET /api/volunteers/:volunteerId                                                           user
GET /api/volunteers/:volunteerId/allergy-intolerances                                      user
GET /api/volunteers/:volunteerId/allergy-intolerances/:id                                  user
GET /api/volunteers/:volunteerId/clinical-conditions                                       user
GET /api/volunteers/:volunteerId/clinical-conditions/:id                                   user
GET /api/volunteers/:volunteerId/clinical-events                                           user
GET /api/volunteers/:volunteerId/clinical-events/:id                                       user
GET /api/volunteers/:volunteerId/medications                                               user
GET /api/volunteers/:volunteerId/medications/:id                                           user
GET /api/volunteers/:volunteerId/vital-signs                                               user
GET /api/volunteers/:volunteerId/vital-signs/:id                                           user
GET /health                                                                                public
GET /metrics                                                                               public
PATCH /api/devices/:deviceId                                                               user
PATCH /api/devices/:deviceId/sensors/:sensorId                                             user
PATCH /api/records/:recordId/channels/:id                                                  user
PATCH /api/research/:id                                                                    user
PATCH /api/research/:researchId/applications/:applicationId                                user
PATCH /api/research/:researchId/devices/:deviceId                                          user
PATCH /api/research/:researchId/researchers/:researcherId                                  user
PATCH /api/research/:researchId/volunteers/:volunteerId                                    user
PATCH /api/researchers/:researcherId                                                       user
PATCH /api/sessions/:id                                                                    user
PATCH /api/sessions/:recordSessionId/annotations/:id                                       user
PATCH /api/sessions/:recordSessionId/records/:id                                           user
PATCH /api/sessions/:recordSessionId/target-area                                           user
PATCH /api/snomed/allergy-intolerances/:snomedCode                                         user
PATCH /api/snomed/body-regions/:snomedCode                                                 user
PATCH /api/snomed/body-structures/:snomedCode                                              user
PATCH /api/snomed/clinical-conditions/:snomedCode                                          user
PATCH /api/snomed/clinical-events/:snomedCode                                              user
PATCH /api/snomed/lateralities/:code                                                       user
PATCH /api/snomed/medications/:snomedCode                                                  user
PATCH /api/snomed/severity-codes/:code                                                     user
PATCH /api/snomed/topographical-modifiers/:code                                            user
PATCH /api/target-areas/:targetAreaId/topographical-modifiers/:topographicalModifierCode   user
PATCH /api/volunteers/:volunteerId                                                         user
PATCH /api/volunteers/:volunteerId/allergy-intolerances/:id                                user
PATCH /api/volunteers/:volunteerId/clinical-conditions/:id                                 user
PATCH /api/volunteers/:volunteerId/clinical-events/:id                                     user
PATCH /api/volunteers/:volunteerId/medications/:id                                         user
PATCH /api/volunteers/:volunteerId/vital-signs/:id                                         user
POST /api/channel/open                                                                     public
POST /api/ClinicalSession/:recordSessionId/annotations/New                                 user
POST /api/ClinicalSession/:sessionId/recordings/New                                        user
POST /api/ClinicalSession/New                                                              user
POST /api/Device/New                                                                       user
POST /api/devices                                                                          user
POST /api/devices/:deviceId/sensors                                                        user
POST /api/node/:id/approve                                                                 user(Admin)
POST /api/node/:id/reject                                                                  user(Admin)
POST /api/node/:id/revoke                                                                  user(Admin)
POST /api/node/authenticate                                                                channel
POST /api/node/challenge                                                                   channel
POST /api/node/connect                                                                     user(Admin)
POST /api/node/identify                                                                    channel
POST /api/node/NewConnection                                                               user(Admin)
POST /api/node/register                                                                    channel
POST /api/record-channels/:id/file                                                         user
POST /api/records/:recordId/channels                                                       user
POST /api/research                                                                         user
POST /api/research/:researchId/applications                                                user
POST /api/Research/:researchId/applications                                                user
POST /api/research/:researchId/devices                                                     user
POST /api/Research/:researchId/devices                                                     user
POST /api/research/:researchId/researchers                                                 user
POST /api/Research/:researchId/researchers                                                 user
POST /api/research/:researchId/volunteers                                                  user
POST /api/Research/:researchId/volunteers                                                  user
POST /api/Research/New                                                                     user
POST /api/Researcher/New                                                                   user
POST /api/researchers                                                                      user
POST /api/Sensor/New                                                                       user
POST /api/session/metrics                                                                  node(Admin)
POST /api/session/renew                                                                    node(ReadOnly)
POST /api/session/revoke                                                                   node(ReadOnly)
POST /api/session/whoami                                                                   node(ReadOnly)
POST /api/sessions                                                                         user
POST /api/sessions/:recordSessionId/annotations                                            user
POST /api/sessions/:recordSessionId/records                                                user
POST /api/sessions/:recordSessionId/target-area                                            user
POST /api/snomed/allergy-intolerances                                                      user
POST /api/SNOMED/AllergyIntolerance/New                                                    user
POST /api/snomed/body-regions                                                              user
POST /api/snomed/body-structures                                                           user
POST /api/SNOMED/BodyRegion/New                                                            user
POST /api/SNOMED/BodyStructure/New                                                         user
POST /api/snomed/clinical-conditions                                                       user
POST /api/snomed/clinical-events                                                           user
POST /api/SNOMED/ClinicalCondition/New                                                     user
POST /api/SNOMED/ClinicalEvent/New                                                         user
POST /api/snomed/lateralities                                                              user
POST /api/SNOMED/Medication/New                                                            user
POST /api/snomed/medications                                                               user
POST /api/snomed/severity-codes                                                            user
POST /api/snomed/topographical-modifiers                                                   user
POST /api/SNOMED/TopographicalModifier/New                                                 user
POST /api/sync/conflicts/:id/restore                                                       user(Admin)
POST /api/sync/jobs                                                                        user(Admin|Researcher) or node(ReadOnly)
POST /api/sync/jobs/:id/cancel                                                             user(Admin|Researcher) or node(ReadOnly)
POST /api/sync/manifest                                                                    node(ReadWrite)
POST /api/sync/preview                                                                     user(Admin|Researcher) or node(ReadOnly)
POST /api/sync/pull                                                                        user(Admin|Researcher) or node(ReadOnly)
POST /api/sync/pull-request                                                                node(ReadOnly)
POST /api/sync/push                                                                        user(Admin|Researcher)
POST /api/sync/window/close                                                                node(ReadWrite)
POST /api/target-areas/:targetAreaId/topographical-modifiers                               user
POST /api/Upload/recording                                                                 user
POST /api/User/New                                                                         user(Admin)
POST /api/userauth/login                                                                   public or node(ReadOnly)
POST /api/userauth/refreshtoken                                                            user
POST /api/users                                                                            user(Admin)
POST /api/Volunteer/New                                                                    user
POST /api/volunteers                                                                       user
POST /api/volunteers/:volunteerId/allergy-intolerances                                     user
POST /api/volunteers/:volunteerId/clinical-conditions                                      user
POST /api/volunteers/:volunteerId/clinical-events                                          user
POST /api/volunteers/:volunteerId/medications                                              user
POST /api/volunteers/:volunteerId/vital-signs                                              user
PUT /api/ClinicalSession/Update/:id                                                        user
PUT /api/node/:id/access-level                                                             user(Admin)
PUT /api/node/:id/status                                                                   user(Admin)
PUT /api/node/Update/:id                                                                   user(Admin)
PUT /api/record-channels/:id/file                                                          user
PUT /api/Research/:id                                                                      user
PUT /api/Research/:researchId/applications/:applicationId                                  user
PUT /api/Research/:researchId/devices/:deviceId                                            user
PUT /api/Research/:researchId/researchers/:researcherId                                    user
PUT /api/Research/:researchId/volunteers/:volunteerId                                      user
PUT /api/Researcher/Update/:researcherId                                                   user
PUT /api/Sensor/:sensorId                                                                  user
PUT /api/SNOMED/AllergyIntolerance/Update/:snomedCode                                      user
PUT /api/SNOMED/BodyRegion/Update/:snomedCode                                              user
PUT /api/SNOMED/BodyStructure/Update/:snomedCode                                           user
PUT /api/SNOMED/ClinicalCondition/Update/:snomedCode                                       user
PUT /api/SNOMED/ClinicalEvent/Update/:snomedCode                                           user
PUT /api/SNOMED/Medication/Update/:snomedCode                                              user
PUT /api/SNOMED/TopographicalModifier/Update/:code                                         user
PUT /api/sync/schedules/:remoteNodeId                                                      user(Admin)
PUT /api/User/Update/:id                                                                   user(Admin)
PUT /api/Volunteer/Update/:volunteerId                                                     user
`;

describe('route access declarations', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'route-access' });
  });
  afterAll(() => node?.close());

  it('declares an access rule on every route', () => {
    const undeclared = listRouteAccess(node.app).filter((r) => r.access === 'UNDECLARED').map((r) => r.route);
    expect(undeclared).toEqual([]);
  });

  it('matches the reviewed table', () => {
    const rows = listRouteAccess(node.app);
    const width = Math.max(...rows.map((r) => r.route.length));
    const actual = `\n${rows.map((r) => `${r.route.padEnd(width)}  ${r.access}`).join('\n')}\n`;
    expect(actual).toBe(EXPECTED);
  });
});
