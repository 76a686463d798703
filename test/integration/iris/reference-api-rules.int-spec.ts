import fc from 'fast-check';
import request from 'supertest';
import { UserRole } from '../../../src/core/auth/access';
import { localNodeUuid } from '../../../src/core/local-node';
import { UsersService } from '../../../src/users/users.service';
import { desktopIdentity } from '../../support/iris/desktop-identity';
import { IrisClient } from '../../support/iris/iris-client';
import { NodePair, pull, startPair, verify } from '../../support/two-nodes';
import { bearer } from '../../support/users';

type Body = Record<string, unknown>;

/** The code of an error answer in the reference's `Error` shape. */
const codeOf = (body: unknown) => (body as { errorDetail?: { code?: string } }).errorDetail?.code;
const detailsOf = (body: unknown) => (body as { errorDetail: { details: Record<string, unknown> } }).errorDetail.details;

/**
 * Rules of the reference route shape beyond the happy path: the node's validation and ERR_ codes
 * (4xx where the reference answers 500), case-insensitive routes and members, no partial writes,
 * the shared-path rule (channel callers get the reference, plain callers the native route), and
 * writes made through the reference shape travel to a peer like any other.
 */
describe('reference REST API rules', () => {
  let pair: NodePair;
  let desktop: IrisClient;
  let api: (method: 'get' | 'post' | 'put' | 'delete', path: string, body?: Body) => Promise<{ status: number; body: Body }>;

  beforeAll(async () => {
    pair = await startPair();
    const { b, adminB } = pair;
    api = async (method, path, body) => {
      const res = await request(b.url)[method](path).set(bearer(adminB)).send(body ?? {});
      return { status: res.status, body: res.body as Body };
    };
    await b.app.get(UsersService).create({ login: 'desk', password: 'reading-lamp-42', role: UserRole.Researcher });
    const identity = desktopIdentity('rules-desktop');
    await request(b.url).post('/api/node/NewConnection').set(bearer(adminB)).send({ nodeName: 'desktop', certificate: identity.certificate, status: 1 }).expect(201);
    desktop = new IrisClient(b.url, identity);
    expect((await desktop.login('desk', 'reading-lamp-42')).status).toBe(200);
    for (const code of ['C-1', 'C-2']) expect((await api('post', '/api/SNOMED/ClinicalCondition/New', { snomedCode: code, displayName: code })).status).toBe(200);
  });
  afterAll(() => pair?.close());

  const volunteer = (extra: Body = {}) => ({ Name: 'V', Email: `v${Math.random()}@x.example`, BirthDate: '1990-01-01', Gender: 'other', ResearchNodeId: localNodeUuid('node-b'), ...extra });
  const count = async (table: string) => Number((await pair.b.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  it('answers bad input with 400 ERR_VALIDATION naming the fields, never 500', async () => {
    const missing = await api('post', '/api/Volunteer/New', { Email: 'x@x', Gender: 'male', Height: 'tall', BirthDate: '31/01/1990' });
    expect(missing.status).toBe(400);
    expect(codeOf(missing.body)).toBe('ERR_VALIDATION');
    expect((detailsOf(missing.body).fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['birthDate', 'height', 'name']);
    for (const [path, body] of [
      ['/api/Research/New', { Title: '', Description: 'd' }],
      ['/api/Researcher/New', { Name: 'n', Email: 'e', Role: 'r', Orcid: '0000-0000-0000-0000-0' }],
      ['/api/SNOMED/BodyStructure/New', { snomedCode: 'S', displayName: 'S' }],
      ['/api/Sensor/New', { SensorName: 's', Unit: 'u', DeviceId: 'not-a-guid', MaxSamplingRate: 1, MinRange: 0, MaxRange: 1, Accuracy: 1 }],
      ['/api/Device/New', { DeviceName: 'd', Manufacturer: 'm' }],
    ] as const) {
      const res = await api('post', path, body);
      expect({ path, status: res.status, code: codeOf(res.body) }).toEqual({ path, status: 400, code: 'ERR_VALIDATION' });
    }
    for (const query of ['page=0', 'pageSize=abc', 'PAGE=-1']) {
      expect((await api('get', `/api/Volunteer/GetAllPaginated?${query}`)).status).toBe(400);
    }
    expect((await api('get', '/api/Research/GetByStatus')).status).toBe(400);
    expect((await api('get', '/api/Research/GetByStatus?status=Bogus')).status).toBe(400);
  });

  it('never answers 5xx to arbitrary payloads and queries (property-based)', async () => {
    const research = (await api('post', '/api/Research/New', { Title: 'fuzz', Description: 'd' })).body.id as string;
    const weird = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('', '1990-13-45', '2026-01-01', 'x'.repeat(600), '00000000-0000-4000-8000-000000000000'), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
    const members = ['Name', 'email', 'BirthDate', 'Gender', 'Height', 'ClinicalConditionCodes', 'Title', 'Status', 'EndDate', 'snomedCode', 'displayName', 'type', 'parentRegionCode', 'bodyRegionCode', 'ResearcherId', 'IsPrincipal', 'VolunteerId', 'ConsentDate', 'ConsentVersion', 'AppName', 'Url', 'DeviceId', 'Role', 'CalibrationStatus', 'SensorName', 'MaxSamplingRate', 'Orcid', 'Login', 'Password'];
    const body = fc.oneof(fc.dictionary(fc.constantFrom(...members), weird, { maxKeys: 8 }), fc.jsonValue({ maxDepth: 2 }));
    const targets: [string, string][] = [
      ['post', '/api/Volunteer/New'],
      ['post', '/api/SNOMED/BodyStructure/New'],
      ['put', '/api/SNOMED/BodyRegion/Update/nope'],
      ['post', '/api/Researcher/New'],
      ['put', `/api/Research/${research}`],
      ['post', `/api/Research/${research}/researchers`],
      ['post', `/api/Research/${research}/volunteers`],
      ['post', `/api/Research/${research}/applications`],
      ['post', `/api/Research/${research}/devices`],
      ['post', '/api/Sensor/New'],
      ['post', '/api/User/New'],
      ['post', '/api/ClinicalSession/New'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), body, async ([method, path], payload) => {
        const res = await request(pair.b.url)[method as 'post' | 'put'](path).set(bearer(pair.adminB)).set('Content-Type', 'application/json').send(JSON.stringify(payload));
        return res.status < 500;
      }),
      { numRuns: 150, seed: Number(process.env.PROPERTY_SEED ?? 1515) },
    );
    const query = fc.dictionary(fc.constantFrom('page', 'pageSize', 'PageSize', 'status', 'researchId', 'dateFrom'), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('0', '-1', '1e9', '99999999999')), { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/Volunteer/GetAllPaginated', '/api/Research/GetByStatus', '/api/ClinicalSession/GetAllPaginated', '/api/User/GetUsers'), query, async (path, q) => {
        const res = await request(pair.b.url).get(path).query(q).set(bearer(pair.adminB));
        return res.status < 500;
      }),
      { numRuns: 60, seed: Number(process.env.PROPERTY_SEED ?? 1515) },
    );
  });

  it('writes nothing when part of a write fails (unknown code in a code list)', async () => {
    const before = await count('volunteer');
    const res = await api('post', '/api/Volunteer/New', volunteer({ ClinicalConditionCodes: ['C-1', 'NO-SUCH-CODE'] }));
    expect(res.status).toBe(422);
    expect(codeOf(res.body)).toBe('ERR_REFERENCE_NOT_FOUND');
    expect(detailsOf(res.body)).toMatchObject({ field: 'clinicalConditionCodes', value: 'NO-SUCH-CODE' });
    expect(await count('volunteer')).toBe(before);
    expect(await count('volunteer_clinical_conditions')).toBe(0);
  });

  it('routes and members are case-insensitive; unknown members are ignored', async () => {
    const created = await api('post', '/API/VOLUNTEER/NEW', { NAME: 'Upper', email: 'upper@x.example', BiRtHdAtE: '1991-02-03', gender: 'male', researchNodeId: localNodeUuid('node-b'), channelId: 'c', sessionToken: 's', timestamp: 't', Whatever: 1 });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'Upper', birthDate: '1991-02-03T00:00:00.000000Z' });
    expect((await api('get', `/api/volunteer/${created.body.volunteerId}`)).body).toMatchObject({ name: 'Upper' });
    const missing = await api('get', '/api/Volunteer/00000000-0000-4000-8000-000000000000');
    expect(missing).toEqual({ status: 404, body: { errorDetail: expect.objectContaining({ code: 'ERR_VOLUNTEER_NOT_FOUND' }) } });
  });

  it('research links: 404 and 409 codes of the reference, one principal, soft removal through the channel', async () => {
    const research = (await desktop.invoke('POST', '/api/Research/New', { Title: 'R', Description: 'D', ResearchNodeId: localNodeUuid('node-b') })).body as Body;
    const rid = research.id as string;
    const researcher = (name: string) => api('post', '/api/Researcher/New', { Name: name, Email: `${name}@x.example`, Role: 'researcher', Orcid: `0000-0000-0000-000${name.length}` });
    const [r1, r2] = [(await researcher('one')).body, (await researcher('three')).body];
    const link = (id: unknown, principal: boolean) => desktop.invoke('POST', `/api/Research/${rid}/researchers`, { ResearcherId: id, IsPrincipal: principal });
    expect((await link('00000000-0000-4000-8000-000000000000', false)).body).toMatchObject({ errorDetail: { code: 'ERR_RESEARCHER_NOT_FOUND' } });
    expect((await link(r1.researcherId, true)).status).toBe(200);
    const again = await link(r1.researcherId, false);
    expect({ status: again.status, code: (again.body as { errorDetail: { code: string } }).errorDetail.code }).toEqual({ status: 409, code: 'ERR_RESEARCHER_ALREADY_ASSIGNED' });
    expect((await link(r2.researcherId, true)).body).toMatchObject({ isPrincipal: true });
    const listed = (await desktop.invoke('GET', `/api/Research/${rid}/researchers`)).body as { data: Body[] };
    expect(listed.data.filter((l) => l.isPrincipal).map((l) => l.researcherId)).toEqual([r2.researcherId]);
    expect((await desktop.invoke('GET', '/api/Research/00000000-0000-4000-8000-000000000000/researchers')).body).toMatchObject({ errorDetail: { code: 'ERR_RESEARCH_NOT_FOUND' } });

    // Same path, two callers: over the channel the link is marked removed (reference) ...
    expect((await desktop.invoke('DELETE', `/api/Research/${rid}/researchers/${r1.researcherId}`)).status).toBe(200);
    const native = await api('get', `/api/research/${rid}/researchers/${r1.researcherId}`);
    expect(native.body).toMatchObject({ removedAt: expect.any(String) });
    expect(native.body).toHaveProperty('originNodeId');
    // ... in plain REST it is the node's own route: a real delete.
    expect((await request(pair.b.url).delete(`/api/research/${rid}/researchers/${r2.researcherId}`).set(bearer(pair.adminB))).status).toBe(204);
    expect((await api('get', `/api/research/${rid}/researchers/${r2.researcherId}`)).status).toBe(404);
    const detail = (await desktop.invoke('GET', `/api/Research/${rid}`)).body as Body;
    expect(detail).toMatchObject({ researcherCount: 0, researchNode: { id: localNodeUuid('node-b') } });
  });

  it('validates enrollments, applications and device assignments like the reference (as 400s)', async () => {
    const rid = ((await desktop.invoke('POST', '/api/Research/New', { Title: 'R2', Description: 'D' })).body as Body).id as string;
    const v = (await api('post', '/api/Volunteer/New', volunteer())).body;
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const future = await desktop.invoke('POST', `/api/Research/${rid}/volunteers`, { VolunteerId: v.volunteerId, ConsentDate: tomorrow, ConsentVersion: '1.0' });
    expect({ status: future.status, code: codeOf(future.body) }).toEqual({ status: 400, code: 'ERR_VALIDATION' });
    const app = await desktop.invoke('POST', `/api/Research/${rid}/applications`, { AppName: 'a', Url: 'not a url' });
    expect(app.status).toBe(400);
    const device = (await api('post', '/api/Device/New', { DeviceName: 'd', Manufacturer: 'm', Model: 'x' })).body;
    const badStatus = await desktop.invoke('POST', `/api/Research/${rid}/devices`, { DeviceId: device.deviceId, Role: 'Primary', CalibrationStatus: 'Broken' });
    expect(badStatus.status).toBe(400);
    const notAssigned = await desktop.invoke('GET', `/api/Research/${rid}/devices/${device.deviceId}/sensors`);
    expect(notAssigned.body).toMatchObject({ errorDetail: { code: 'ERR_RESEARCH_DEVICE_NOT_FOUND' } });
    const status = await desktop.invoke('PUT', `/api/Research/${rid}`, { Status: 'Bogus' });
    expect(status.status).toBe(400);
  });

  it('travels to a peer like any other write: rows created, changed and removed through the reference shape are pulled', async () => {
    const v = (await api('post', '/api/Volunteer/New', volunteer({ Name: 'Synced', ClinicalConditionCodes: ['C-1', 'C-2'] }))).body;
    await api('put', `/api/Volunteer/Update/${v.volunteerId}`, { ClinicalConditionCodes: ['C-2'] });
    const rid = ((await desktop.invoke('POST', '/api/Research/New', { Title: 'Synced research', Description: 'D' })).body as Body).id as string;
    await desktop.invoke('POST', `/api/Research/${rid}/volunteers`, { VolunteerId: v.volunteerId, ConsentDate: '2026-01-02', ConsentVersion: '2' });
    await desktop.invoke('DELETE', `/api/Research/${rid}/volunteers/${v.volunteerId}`);
    const result = await pull(pair);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'completed' });
    const onA = await request(pair.a.url).get(`/api/Volunteer/${v.volunteerId}`).set(bearer(pair.adminA));
    expect(onA.body).toMatchObject({ name: 'Synced', clinicalConditionCodes: ['C-2'] });
    const link = await request(pair.a.url).get(`/api/research/${rid}/volunteers/${v.volunteerId}`).set(bearer(pair.adminA));
    expect(link.body).toMatchObject({ enrollmentStatus: 'Withdrawn', withdrawnAt: expect.any(String) });
    const [digestA, digestB] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(digestA.aggregates.volunteers.digest).toBe(digestB.aggregates.volunteers.digest);
  });
});
