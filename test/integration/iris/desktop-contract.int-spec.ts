import request from 'supertest';
import { NodeAccessLevel, UserRole } from '../../../src/core/auth/access';
import { localNodeUuid } from '../../../src/core/local-node';
import { UsersService } from '../../../src/users/users.service';
import { DESKTOP_CALLS, DesktopCall } from '../../support/iris/desktop-calls';
import { desktopIdentity } from '../../support/iris/desktop-identity';
import { IrisAnswer, IrisClient } from '../../support/iris/iris-client';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';
import { readZip } from '../../support/zip-reader';
import { introduce } from '../node-trust/trust-helpers';

type Body = Record<string, unknown>;

const NODE_A = 'iris-contract-a';
const DESKTOP_USER = { login: 'maria@iris.example', password: 'Senha-longa-çã-2026' };

/**
 * The IRIS desktop contract (../shared/reference/iris-desktop-api.md), replayed by a client that
 * behaves like @iris/middleware against a running node: every call through a real channel and
 * session where the desktop uses one, each answer checked for status, encryption and the members
 * IRIS reads. Node B is a peer the desktop's node pulls from (sync preview/pull).
 */
describe('IRIS desktop contract', () => {
  let a: TestNode;
  let b: TestNode;
  let desktop: IrisClient;
  const replayed = new Map<string, IrisAnswer>();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // Per-user limits are the rate-limit work's (issue 12); until then a desktop session would meet
    // the 60/min session limit during this replay.
    [a, b] = await Promise.all([
      startTestNode({ NODE_ID: NODE_A }),
      startTestNode({ NODE_ID: 'iris-contract-b' }),
    ]);
    // Operator set-up, as docs/iris-compatibility.md describes it: an account for the desktop user,
    // and the desktop's certificate registered and Authorized as a node connection.
    await a.app.get(UsersService).create({ login: DESKTOP_USER.login, password: DESKTOP_USER.password, role: UserRole.Admin });
    const admin = await loginAsAdmin(a);
    const identity = desktopIdentity();
    await request(a.url)
      .post('/api/node/NewConnection')
      .set(bearer(admin))
      .send({ nodeName: 'IRIS desktop', certificate: identity.certificate, status: 1, nodeAccessLevel: 0 })
      .expect(201);
    // B trusts A (ReadWrite) so the desktop can pull from B through A; B holds a row to pull.
    await introduce(a, b, NodeAccessLevel.ReadWrite);
    const adminB = await loginAsAdmin(b);
    await request(b.url).post('/api/snomed/clinical-conditions').set(bearer(adminB)).send({ snomedCode: 'B-1', displayName: 'From B', description: '' }).expect(201);
    desktop = new IrisClient(a.url, identity);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const spec = (id: string): DesktopCall => {
    const call = DESKTOP_CALLS.find((c) => c.id === id);
    if (!call) throw new Error(`no documented call ${id}`);
    return call;
  };
  const fill = (path: string, params: Record<string, string>) =>
    path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (params[name] === undefined) throw new Error(`missing ${name} for ${path}`);
      return encodeURIComponent(params[name]);
    });

  /** Checks an answer against the document: 2xx, encrypted JSON on channel routes, the members of the DTO. */
  function check(call: DesktopCall, answer: IrisAnswer, status = 200): Body {
    const where = `${call.id} ${call.method} ${call.path}`;
    expect({ where, status: answer.status, body: answer.ok ? 'ok' : answer.body }).toEqual({ where, status, body: 'ok' });
    if (call.transport !== 'P' && call.transport !== 'PJ' && answer.body !== undefined) {
      expect({ where, encrypted: answer.encrypted, type: answer.headers['content-type'] }).toEqual({ where, encrypted: true, type: expect.stringContaining('application/json') });
    }
    const body = answer.body as Body;
    const items = call.kind === 'page' ? (body.data as Body[]) : call.kind === 'array' ? (body as unknown as Body[]) : [body];
    if (call.kind === 'page') {
      expect({ where, envelope: Object.keys(body).sort() }).toEqual({ where, envelope: ['currentPage', 'data', 'pageSize', 'totalPages', 'totalRecords'] });
      expect(body.totalRecords).toEqual(expect.any(Number));
    }
    if (call.kind === 'array') expect(Array.isArray(body)).toBe(true);
    for (const item of items) {
      const missing = call.fields.filter((field) => !(field in item));
      expect({ where, missing }).toEqual({ where, missing: [] });
      expect(item).not.toHaveProperty('passwordHash');
    }
    replayed.set(call.id, answer);
    return body;
  }

  /** One documented call through the desktop's transport. */
  async function call(id: string, params: Record<string, string> = {}, payload: Body = {}, status = 200): Promise<Body> {
    const c = spec(id);
    const path = fill(c.path, params);
    const answer = await desktop.invoke(c.method, path, payload);
    return check(c, answer, status);
  }

  const items = (body: Body) => body.data as Body[];

  it('opens a channel and runs the handshake the way the middleware does (H1–H4)', async () => {
    check(spec('H1'), await desktop.openChannel());
    await desktop.ensureSession();
    for (const [id, path] of [['H2', '/api/node/identify'], ['H3', '/api/node/challenge'], ['H4', '/api/node/authenticate']]) {
      const exchange = desktop.log.find((e) => e.path === path)!;
      const answer = check(spec(id), exchange.answer);
      if (id === 'H2') expect(answer).toMatchObject({ isKnown: true, status: 1 });
      // The middleware's extra members travel in every body the node must accept.
      expect(exchange.body).toHaveProperty('channelId', desktop.channelId);
    }
  });

  it('signs in with the reference payload (base64 password) and refreshes the token (A1, A2)', async () => {
    const login = await desktop.login(DESKTOP_USER.login, DESKTOP_USER.password);
    const body = check(spec('A1'), login);
    expect(Date.parse(body.expiration as string)).toBeGreaterThan(Date.now());
    const claims = JSON.parse(Buffer.from(String(body.token).split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ login: DESKTOP_USER.login, sub: expect.any(String) });
    const sent = desktop.log.find((e) => e.path === '/api/userauth/login')!.body as Body;
    expect(sent).toMatchObject({ username: DESKTOP_USER.login, password: Buffer.from(DESKTOP_USER.password, 'latin1').toString('base64'), token: '' });
    expect(Object.keys(sent)).toEqual(expect.arrayContaining(['channelId', 'sessionToken', 'timestamp']));

    const before = desktop.token;
    check(spec('A2'), await desktop.refreshToken());
    expect(desktop.token).not.toBe(before);
    // The refreshed token works where the desktop sends it.
    await call('U1');
  });

  it('refuses a wrong password and a login without a node session', async () => {
    const wrong = await desktop.invoke('POST', '/api/userauth/login', { username: DESKTOP_USER.login, password: btoa('wrong-password') });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errorDetail: { code: 'ERR_INVALID_CREDENTIALS' } });
    // Over a channel the login needs a node session (the desktop is a registered node), as the reference.
    const noSession = await desktop.channelCall('POST', '/api/userauth/login', { username: DESKTOP_USER.login, password: btoa(DESKTOP_USER.password) });
    expect({ status: noSession.status, body: noSession.body }).toMatchObject({ status: 401, body: { error: 'ERR_NO_SESSION_TOKEN' } });
    // The node's own plain-REST login is unchanged.
    const plain = await request(a.url).post('/api/userauth/login').send({ login: DESKTOP_USER.login, password: DESKTOP_USER.password }).expect(200);
    expect(plain.body).toMatchObject({ token: expect.any(String), expiresAt: expect.any(String), user: { login: DESKTOP_USER.login } });
  });

  it('manages users without ever showing a password hash (U1–U4)', async () => {
    const created = await call('U2', {}, { Login: 'joao', Password: 'another-long-password', Role: 'RESEARCHER' });
    expect(created).toMatchObject({ login: 'joao', role: 'Researcher' });
    ids.user = created.id as string;
    expect(items(await call('U1')).map((u) => u.login)).toEqual(expect.arrayContaining(['joao', DESKTOP_USER.login]));
    expect(await call('U3', { id: ids.user })).toMatchObject({ id: ids.user, researcher: null });
    expect(await call('U4', { id: ids.user }, { Login: 'joao.silva', Role: 'ADMIN', ResearcherId: undefined })).toMatchObject({ login: 'joao.silva', role: 'Admin' });
  });

  it('manages researchers (R1–R5)', async () => {
    const created = await call('R2', {}, {
      Name: 'Dra. Ana',
      Email: 'ana@lab.example',
      Institution: 'Lab',
      Role: 'chief_researcher',
      Orcid: '0000-0002-1825-0097',
      ResearchNodeId: localNodeUuid(NODE_A),
    });
    expect(created).toMatchObject({ name: 'Dra. Ana', orcid: '0000000218250097', researchNodeId: localNodeUuid(NODE_A) });
    ids.researcher = created.researcherId as string;
    expect(items(await call('R1')).map((r) => r.researcherId)).toContain(ids.researcher);
    expect(await call('R3', { id: ids.researcher }, { Name: 'Dra. Ana Souza', Email: '' })).toMatchObject({ name: 'Dra. Ana Souza', email: 'ana@lab.example' });
    expect(await call('R4', { id: ids.researcher })).toMatchObject({ researcherId: ids.researcher });
    const byNode = (await call('R5', { nodeId: localNodeUuid(NODE_A) })) as unknown as Body[];
    expect(byNode.map((r) => r.researcherId)).toContain(ids.researcher);
    // A user linked to the researcher signs in with the researcher's name and e-mail in the token.
    await call('U4', { id: ids.user }, { ResearcherId: ids.researcher });
    expect(await call('U3', { id: ids.user })).toMatchObject({ researcher: { name: 'Dra. Ana Souza', email: 'ana@lab.example' } });
    const linked = await desktop.login('joao.silva', 'another-long-password');
    const claims = JSON.parse(Buffer.from(linked.body.token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ login: 'joao.silva', researcherId: ids.researcher, name: 'Dra. Ana Souza', email: 'ana@lab.example' });
    expect((await desktop.login(DESKTOP_USER.login, DESKTOP_USER.password)).status).toBe(200);
  });

  it('manages the four SNOMED catalogs of the desktop (20 routes)', async () => {
    await call('S-BodyRegion-new', {}, { snomedCode: '123037004', displayName: 'Body region', description: 'root' });
    const child = await call('S-BodyRegion-new', {}, { snomedCode: '818983003', displayName: 'Abdomen', description: '', parentRegionCode: '123037004' });
    expect(child).toMatchObject({ parentRegionCode: '123037004' });
    expect(await call('S-BodyRegion-get', { code: '818983003' })).toMatchObject({ parentRegion: { snomedCode: '123037004' } });
    expect(await call('S-BodyRegion-update', { code: '818983003' }, { displayName: 'Abdomen (region)', description: 'd', parentRegionCode: '123037004' })).toMatchObject({
      displayName: 'Abdomen (region)',
    });
    expect(items(await call('S-BodyRegion-list')).length).toBe(2);
    expect(((await call('S-BodyRegion-active')) as unknown as Body[]).length).toBe(2);

    const structure = await call('S-BodyStructure-new', {}, { snomedCode: '113257007', bodyRegionCode: '818983003', displayName: 'Structure', type: 'Organ', description: '' });
    expect(structure).toMatchObject({ type: 'Organ', bodyRegion: { snomedCode: '818983003', parentRegion: { snomedCode: '123037004' } } });
    await call('S-BodyStructure-get', { code: '113257007' });
    expect(await call('S-BodyStructure-update', { code: '113257007' }, { displayName: 'Structure 2', description: '', type: 'Tissue', parentStructureCode: undefined })).toMatchObject({ type: 'Tissue' });
    await call('S-BodyStructure-list');
    await call('S-BodyStructure-active');

    const modifier = await call('S-TopographicalModifier-new', {}, { snomedCode: '255549009', displayName: 'Anterior', category: 'Position', description: '' });
    expect(modifier).toMatchObject({ snomedCode: '255549009', category: 'Position' });
    await call('S-TopographicalModifier-get', { code: '255549009' });
    await call('S-TopographicalModifier-update', { code: '255549009' }, { displayName: 'Anterior part', description: '', category: 'Position' });
    await call('S-TopographicalModifier-list');
    await call('S-TopographicalModifier-active');

    for (const code of ['38341003', '73211009']) await call('S-ClinicalCondition-new', {}, { snomedCode: code, displayName: `Condition ${code}`, description: '' });
    await call('S-ClinicalCondition-get', { code: '38341003' });
    await call('S-ClinicalCondition-update', { code: '38341003' }, { displayName: 'Hypertension', description: 'high blood pressure' });
    await call('S-ClinicalCondition-list');
    expect(((await call('S-ClinicalCondition-active')) as unknown as Body[]).map((c) => c.snomedCode)).toEqual(expect.arrayContaining(['38341003', '73211009']));
  });

  it('manages volunteers with their clinical condition codes (V1–V5)', async () => {
    const created = await call('V3', {}, {
      Name: 'Carlos',
      Email: 'carlos@example.org',
      BirthDate: '1990-05-01',
      Gender: 'male',
      ResearchNodeId: localNodeUuid(NODE_A),
      BloodType: 'O+',
      Height: 1.78,
      Weight: 80.5,
      ConsentStatus: 'Granted',
      ClinicalConditionCodes: ['38341003'],
    });
    expect(created).toMatchObject({ name: 'Carlos', birthDate: '1990-05-01T00:00:00.000000Z', height: 1.78, clinicalConditionCodes: ['38341003'] });
    expect(created.volunteerCode).toMatch(/^VC-[0-9A-F]{13}$/);
    ids.volunteer = created.volunteerId as string;
    const second = await call('V3', {}, { Name: 'Beatriz', Email: 'bia@example.org', BirthDate: '1985-01-31', Gender: 'female', ResearchNodeId: localNodeUuid(NODE_A) });
    ids.volunteer2 = second.volunteerId as string;
    // The selection modal asks for 1000 rows: capped at 100, ordered by name.
    const page = await call('V1');
    expect(items(page).map((v) => v.name)).toEqual(['Beatriz', 'Carlos']);
    expect(page).toMatchObject({ pageSize: 100, totalRecords: 2 });
    expect(await call('V2', { id: ids.volunteer })).toMatchObject({ volunteerId: ids.volunteer });
    const updated = await call('V4', { id: ids.volunteer }, { Name: 'Carlos Lima', Email: '', ClinicalConditionCodes: ['73211009'] });
    expect(updated).toMatchObject({ name: 'Carlos Lima', email: 'carlos@example.org', clinicalConditionCodes: ['73211009'] });
  });

  it('manages research projects and their researchers, volunteers, applications, devices and sensors (RS1–RS23, DV1, SN1–SN3)', async () => {
    // The form picks the research node from the connection list; this node is in it.
    const nodes = items(await call('N1'));
    expect(nodes.map((n) => n.id)).toContain(localNodeUuid(NODE_A));
    const research = await call('RS2', {}, { Title: 'Gait study', Description: 'EMG of gait', ResearchNodeId: localNodeUuid(NODE_A) });
    expect(research).toMatchObject({ status: 'Planning', endDate: null });
    const rid = (ids.research = research.id as string);
    expect(items(await call('RS1')).map((r) => r.id)).toContain(rid);
    expect(await call('RS3', { id: rid }, { Title: 'Gait study 2', Status: 'Active' })).toMatchObject({ title: 'Gait study 2', status: 'Active' });

    expect(await call('RS7', { rid }, { ResearcherId: ids.researcher, IsPrincipal: true })).toMatchObject({ researcherName: 'Dra. Ana Souza', isPrincipal: true });
    expect(items(await call('RS6', { rid }))).toHaveLength(1);
    expect(await call('RS8', { rid, researcherId: ids.researcher }, { IsPrincipal: false })).toMatchObject({ isPrincipal: false });

    const today = new Date().toISOString().slice(0, 10);
    expect(await call('RS11', { rid }, { VolunteerId: ids.volunteer, ConsentDate: today, ConsentVersion: '1.0' })).toMatchObject({ enrollmentStatus: 'Enrolled', volunteerName: 'Carlos Lima' });
    expect(items(await call('RS10', { rid }))).toHaveLength(1);
    expect(await call('RS12', { rid, volunteerId: ids.volunteer }, { EnrollmentStatus: 'Active' })).toMatchObject({ enrollmentStatus: 'Active' });

    const app = await call('RS15', { rid }, { AppName: 'Collector', Url: 'https://collector.example/app', Description: 'mobile' });
    ids.application = app.applicationId as string;
    expect(items(await call('RS14', { rid }))).toHaveLength(1);
    expect(await call('RS16', { rid, applicationId: ids.application }, { AppName: 'Collector 2' })).toMatchObject({ appName: 'Collector 2' });

    const device = await call('DV1', {}, { DeviceName: 'EMG band', Manufacturer: 'Acme', Model: 'E-1' });
    expect(device).toMatchObject({ sensorCount: 0 });
    ids.device = device.deviceId as string;
    expect(await call('RS19', { rid }, { DeviceId: ids.device, Role: 'Primary', CalibrationStatus: 'NotCalibrated' })).toMatchObject({ deviceName: 'EMG band', role: 'Primary' });
    expect(items(await call('RS18', { rid }))).toHaveLength(1);
    expect(await call('RS20', { rid, deviceId: ids.device }, { CalibrationStatus: 'Calibrated', LastCalibrationDate: today })).toMatchObject({
      calibrationStatus: 'Calibrated',
      lastCalibrationDate: `${today}T00:00:00.000000Z`,
    });

    const sensor = await call('SN1', {}, { DeviceId: ids.device, SensorName: 'Channel 1', MaxSamplingRate: 1000, Unit: 'mV', MinRange: -5, MaxRange: 5, Accuracy: 0.01 });
    ids.sensor = sensor.sensorId as string;
    const other = await call('SN1', {}, { DeviceId: ids.device, SensorName: 'Accelerometer', MaxSamplingRate: 100, Unit: 'g', MinRange: -2, MaxRange: 2, Accuracy: 0.1 });
    expect(items(await call('RS22', { rid })).map((s) => s.sensorName)).toEqual(['Accelerometer', 'Channel 1']);
    expect(((await call('RS23', { rid, deviceId: ids.device })) as unknown as Body[]).length).toBe(2);
    expect(await call('SN2', { id: ids.sensor }, { SensorName: 'EMG 1', MaxSamplingRate: 2000 })).toMatchObject({ sensorName: 'EMG 1', maxSamplingRate: 2000 });
    expect(await call('SN3', { id: other.sensorId as string })).toEqual({ deleted: true });

    expect(await call('RS4', { id: rid })).toMatchObject({
      researchNode: { id: localNodeUuid(NODE_A), status: 1, nodeAccessLevel: 2 },
      researcherCount: 1,
      volunteerCount: 1,
      applicationCount: 1,
      deviceCount: 1,
    });
    expect(await call('RS17', { rid, applicationId: ids.application })).toMatchObject({ applicationId: ids.application });
    expect(await call('RS21', { rid, deviceId: ids.device })).toMatchObject({ researchId: rid, deviceId: ids.device });
    expect(await call('RS13', { rid, volunteerId: ids.volunteer })).toMatchObject({ volunteerId: ids.volunteer });
    expect(await call('RS9', { rid, researcherId: ids.researcher })).toMatchObject({ researcherId: ids.researcher });
    expect(await call('RS4', { id: rid })).toMatchObject({ researcherCount: 0, volunteerCount: 0, applicationCount: 0, deviceCount: 0 });
    // Re-adding a removed researcher revives the link (the reference's rule).
    expect(await call('RS7', { rid }, { ResearcherId: ids.researcher, IsPrincipal: false })).toMatchObject({ removedAt: null });
  });

  it('serves the IRIS mobile app\'s session uploads and research lists (M1–M8)', async () => {
    expect(items(await call('M7')).map((r) => r.id)).toContain(ids.research);
    expect(items(await call('M8')).map((r) => r.id)).toContain(ids.research);
    const sessionId = (ids.session = '7f1d2c3b-0000-4000-8000-000000000001');
    const targetArea = { BodyStructureCode: '113257007', LateralityCode: null, TopographicalModifierCodes: ['255549009'] };
    const session = { Id: sessionId, ResearchId: ids.research, VolunteerId: ids.volunteer2, TargetArea: targetArea, StartAt: '2026-03-01T10:00:00.000Z', FinishedAt: null };
    const created = await call('M1', {}, session);
    expect(created).toMatchObject({ id: sessionId, finishedAt: null, targetAreaId: expect.any(String) });
    // Upsert on the client's id: the same call again overwrites, and keeps one target area.
    expect(await call('M1', {}, { ...session, FinishedAt: '2026-03-01T10:30:00.000Z' })).toMatchObject({ finishedAt: '2026-03-01T10:30:00.000000Z', targetAreaId: created.targetAreaId });
    const unknown = await desktop.invoke('POST', '/api/ClinicalSession/New', { ...session, Id: '7f1d2c3b-0000-4000-8000-0000000000ff', VolunteerId: '00000000-0000-4000-8000-000000000000' });
    expect({ status: unknown.status, body: unknown.body }).toMatchObject({ status: 404, body: { errorDetail: { code: 'ERR_VOLUNTEER_NOT_FOUND' } } });
    expect(await call('M3', { id: sessionId }, { FinishedAt: '2026-03-01T11:00:00Z', TargetArea: { ...targetArea, TopographicalModifierCodes: [] } })).toMatchObject({
      finishedAt: '2026-03-01T11:00:00.000000Z',
    });
    const modifiers = await request(a.url).get(`/api/target-areas/${created.targetAreaId}/topographical-modifiers`).set(bearer(desktop.token!)).expect(200);
    expect(modifiers.body.totalRecords).toBe(0);

    const recording = { Id: '7f1d2c3b-0000-4000-8000-0000000000b1', SignalType: 'EMG', SamplingRate: 1000, SamplesCount: 2, FileUrl: '', CollectionDate: '2026-03-01T10:00:00.000Z', SensorId: null };
    expect(await call('M4', { sessionId }, recording)).toMatchObject({ id: recording.Id, recordType: 'EMG', sessionId });
    await call('M4', { sessionId }, recording); // idempotent: no second channel
    const channels = await request(a.url).get(`/api/records/${recording.Id}/channels`).set(bearer(desktop.token!)).expect(200);
    expect(channels.body.data).toHaveLength(1);
    const csv = 'timestamp,value\n0,0.5\n1,0.6\n';
    const uploaded = await call('M5', {}, {
      RecordingId: recording.Id,
      SessionId: sessionId,
      FileName: 'emg.csv',
      ContentType: 'text/csv',
      FileData: Buffer.from(csv).toString('base64'),
      FileSizeBytes: csv.length,
    });
    expect(uploaded).toMatchObject({ message: 'Recording uploaded successfully', fileUrl: expect.any(String) });
    const file = await request(a.url).get(`/api/record-channels/${channels.body.data[0].id}/file`).set(bearer(desktop.token!)).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect((file.body as Buffer).toString()).toBe(csv);
    const badType = await desktop.invoke('POST', '/api/Upload/recording', { RecordingId: recording.Id, SessionId: sessionId, ContentType: 'application/json', FileData: 'e30=' });
    expect(badType.body).toMatchObject({ errorDetail: { code: 'ERR_UPLOAD_VALIDATION_FAILED' } });

    expect(items(await call('M2')).map((s) => s.id)).toContain(sessionId);
    const note = await call('M6', { sessionId }, { Id: '7f1d2c3b-0000-4000-8000-0000000000aa', Text: 'electrode moved', CreatedAt: '2026-03-01T10:05:00Z' });
    expect(note).toMatchObject({ text: 'electrode moved', recordSessionId: sessionId });
  });

  it('exports a research project with its data and recording files as a ZIP (RS24, plain HTTP + Bearer)', async () => {
    const native = (path: string) => request(a.url).post(path).set(bearer(desktop.token!));
    const sessionId = '7f1d2c3b-0000-4000-8000-000000000002';
    await native('/api/sessions').send({ id: sessionId, volunteerId: ids.volunteer2, researchId: ids.research, startAt: '2026-03-02T10:00:00Z' }).expect(201);
    const record = await native(`/api/sessions/${sessionId}/records`).send({ collectionDate: '2026-03-02T10:00:00Z', sessionId, recordType: 'EMG' }).expect(201);
    const channel = await native(`/api/records/${record.body.id}/channels`)
      .send({ signalType: 'EMG', samplingRate: 1000, samplesCount: 2, startTimestamp: '2026-03-02T10:00:00Z' })
      .expect(201);
    const signal = 'timestamp,value\n0,0.1\n1,0.2\n';
    await native(`/api/record-channels/${channel.body.id}/file`).set('Content-Type', 'text/csv').send(signal).expect(200);

    const answer = await desktop.rawGet(fill(spec('RS24').path, { id: ids.research }));
    expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({ status: 200, type: 'application/zip' });
    expect(answer.headers['content-disposition']).toContain(`_${ids.research}.zip`);
    const files = readZip(Buffer.from(answer.bytes));
    const root = `Gait_study_2_${ids.research}`;
    const channelPath = `${root}/sessions/${sessionId}/records/${record.body.id}/channels/${channel.body.id}`;
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        `${root}/research.json`,
        `${root}/researchers/researchers.json`,
        `${root}/volunteers/volunteers.json`,
        `${root}/applications/applications.json`,
        `${root}/devices/devices.json`,
        `${root}/sessions/${sessionId}/session.json`,
        `${channelPath}/channel.json`,
        `${channelPath}/signal.csv`,
        `${root}/_missing_files.json`,
      ]),
    );
    expect(JSON.parse(files.get(`${root}/research.json`)!.toString())).toMatchObject({ id: ids.research, title: 'Gait study 2' });
    expect(files.get(`${channelPath}/signal.csv`)!.toString()).toBe(signal);
    expect(JSON.parse(files.get(`${root}/_missing_files.json`)!.toString())).toEqual([]);
    replayed.set('RS24', { status: answer.status, body: undefined, headers: answer.headers, encrypted: false, ok: true });
    expect((await desktop.rawGet('/api/Research/00000000-0000-4000-8000-000000000000/export')).status).toBe(404);
  });

  it('manages node connections (N1–N7) and syncs from a peer through the desktop (SY1–SY3)', async () => {
    const identityB = (await request(b.url).get('/api/node/identity').expect(200)).body;
    const connection = await call('N3', {}, {
      NodeName: 'Node B',
      NodeUrl: b.url,
      NodeAccessLevel: 1,
      Status: 1,
      Certificate: identityB.certificate,
      CertificateFingerprint: '',
      ContactInfo: 'ops@b.example',
      InstitutionDetails: 'B',
    }, 201);
    ids.connection = connection.id as string;
    expect(await call('N6', { id: ids.connection })).toMatchObject({ nodeName: 'Node B', status: 1, nodeAccessLevel: 1 });
    expect(await call('N7', { id: ids.connection }, { NodeName: 'Node B (lab)', NodeUrl: b.url, NodeAccessLevel: 1, Status: 1 })).toMatchObject({ nodeName: 'Node B (lab)' });

    const pending = await call('N3', {}, { NodeName: 'Pending peer', NodeUrl: 'http://pending.example', NodeAccessLevel: 0, Status: 2 }, 201);
    const rejected = await call('N3', {}, { NodeName: 'Rejected peer', NodeUrl: 'http://rejected.example', NodeAccessLevel: 0, Status: 2 }, 201);
    expect(items(await call('N2')).map((n) => n.id)).toEqual(expect.arrayContaining([pending.id, rejected.id]));
    await call('N4', { id: pending.id as string }, { ConnectionId: pending.id });
    await call('N5', { id: rejected.id as string }, { ConnectionId: rejected.id });
    expect(items(await call('N1')).find((n) => n.id === rejected.id)).toMatchObject({ status: 3 });

    const preview = await call('SY1', {}, { remoteNodeId: ids.connection, since: null });
    expect(preview).toMatchObject({ remoteNodeId: ids.connection });
    const pull = await call('SY2', {}, { remoteNodeId: ids.connection, since: (preview.autoResolvedSince as string | null) ?? null });
    expect(pull).toMatchObject({ status: 'completed' });
    expect(((await request(a.url).get('/api/snomed/clinical-conditions/B-1').set(bearer(desktop.token!))).body as Body).displayName).toBe('From B');
    const log = await call('SY3', { id: ids.connection });
    expect(items(log)[0]).toMatchObject({ remoteNodeId: ids.connection, status: 'completed' });
  });

  it('deletes a research project and a volunteer (RS5, V5)', async () => {
    expect(await call('RS5', { id: ids.research })).toEqual({ message: 'Research deleted successfully', researchId: ids.research });
    expect(await call('V5', { id: ids.volunteer })).toEqual({ message: 'Volunteer deleted successfully', volunteerId: ids.volunteer });
    expect((await desktop.invoke('GET', `/api/Volunteer/${ids.volunteer}`)).status).toBe(404);
  });

  it('renews and revokes the session without X-Session-Id, as the middleware does (H5, H6)', async () => {
    const renewed = check(spec('H5'), await desktop.renewSession());
    expect(renewed.remainingSeconds).toBeGreaterThan(3600);
    expect(desktop.log.at(-1)!.headers).not.toHaveProperty('X-Session-Id');
    const token = desktop.sessionToken!;
    check(spec('H6'), await desktop.revokeSession());
    const revoked = await desktop.channelCall('POST', '/api/session/renew', { channelId: desktop.channelId, sessionToken: token, additionalSeconds: 60 });
    expect({ status: revoked.status, body: revoked.body }).toMatchObject({ status: 401, body: { error: 'ERR_INVALID_SESSION' } });
    // The next invoke runs the handshake again, as the middleware does after a logout.
    await call('U1');
  });

  it('replayed every call of the document', () => {
    const expected = DESKTOP_CALLS.map((c) => c.id).sort();
    expect([...replayed.keys()].sort()).toEqual(expected);
    expect(DESKTOP_CALLS.filter((c) => !c.mobile)).toHaveLength(80);
  });
});
