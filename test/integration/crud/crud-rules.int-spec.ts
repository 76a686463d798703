import request from 'supertest';
import { BULK_HTTP_ENV, buildDatasetOverHttp, Dataset } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin, loginAsResearcher } from '../../support/users';

/** Cross-resource rules of the CRUD engine: references, uniqueness, cascades, input checks, docs. */
describe('CRUD rules', () => {
  let node: TestNode;
  let admin: string;
  let researcher: string;
  let data: Dataset;
  const first = (table: string) => data.rows.get(table)![0];
  const api = () => request(node.url);

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'crud-rules', ...BULK_HTTP_ENV });
    admin = await loginAsAdmin(node);
    researcher = await loginAsResearcher(node);
    data = await buildDatasetOverHttp(node, admin);
  });
  afterAll(() => node?.close());

  it('builds a complete dataset over HTTP: a row in every table and a stored file', async () => {
    for (const table of ['volunteer', 'vital_signs', 'research_volunteer', 'sensor', 'target_area_topographical_modifier', 'session_annotation']) {
      expect(data.rows.get(table)?.length).toBeGreaterThan(0);
    }
    const volunteer = first('volunteer');
    expect(volunteer.researchNodeId).toBeDefined();
    const [{ local }] = await node.dataSource.query(`SELECT is_local AS local FROM research_nodes WHERE id = $1`, [volunteer.researchNodeId]);
    expect(local).toBe(true);
  });

  it('lets a Researcher use CRUD routes but not user administration', async () => {
    await api().get('/api/volunteers').set(bearer(researcher)).expect(200);
    expect((await api().post('/api/users').set(bearer(researcher)).send({}).expect(403)).body.error).toBe('ERR_FORBIDDEN_ROLE');
  });

  it('answers 422 naming the field and value for a reference to a missing row', async () => {
    const volunteer = first('volunteer');
    const condition = first('volunteer_clinical_conditions');
    const { id: _id, volunteerId: _v, createdAt: _c, updatedAt: _u, originNodeId: _o, ...body } = condition;
    const res = await api()
      .post(`/api/volunteers/${volunteer.volunteerId}/clinical-conditions`)
      .set(bearer(admin))
      .send({ ...body, snomedCode: 'NO-SUCH-CODE' })
      .expect(422);
    expect(res.body).toEqual(expect.objectContaining({ error: 'ERR_REFERENCE_NOT_FOUND', field: 'snomedCode', value: 'NO-SUCH-CODE' }));
    const update = await api()
      .patch(`/api/volunteers/${volunteer.volunteerId}/clinical-conditions/${condition.id}`)
      .set(bearer(admin))
      .send({ snomedCode: 'MISSING' })
      .expect(422);
    expect(update.body.field).toBe('snomedCode');
  });

  it('answers 404 for a child under a missing parent', async () => {
    const missing = crypto.randomUUID();
    await api().get(`/api/volunteers/${missing}/vital-signs`).set(bearer(admin)).expect(404);
    const vital = first('vital_signs');
    const { id: _id, volunteerId: _v, createdAt: _c, updatedAt: _u, originNodeId: _o, ...body } = vital;
    await api().post(`/api/volunteers/${missing}/vital-signs`).set(bearer(admin)).send(body).expect(404);
    await api().get(`/api/sessions/${missing}/target-area`).set(bearer(admin)).expect(404);
  });

  it('answers 409 on a clash: same key, same natural key, a second 1:1 child', async () => {
    const region = first('snomed_body_region');
    const { createdAt: _c, updatedAt: _u, originNodeId: _o, ...regionBody } = region;
    expect((await api().post('/api/snomed/body-regions').set(bearer(admin)).send(regionBody).expect(409)).body.error).toBe('ERR_UNIQUE_VIOLATION');
    const volunteer = first('volunteer');
    const { volunteerId: _id, researchNodeId: _n, createdAt: _c2, updatedAt: _u2, originNodeId: _o2, enrolledAt: _e, ...volunteerBody } = volunteer;
    const clash = await api().post('/api/volunteers').set(bearer(admin)).send(volunteerBody).expect(409);
    expect(clash.body.fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['originNodeId']));
    const area = first('target_area');
    await api()
      .post(`/api/sessions/${area.recordSessionId}/target-area`)
      .set(bearer(admin))
      .send({ bodyStructureCode: area.bodyStructureCode })
      .expect(409);
  });

  it('answers 409 when a RESTRICT reference blocks a delete, and deletes nothing', async () => {
    const code = first('clinical_conditions').snomedCode;
    const res = await api().delete(`/api/snomed/clinical-conditions/${code}`).set(bearer(admin)).expect(409);
    expect(res.body.error).toBe('ERR_STILL_REFERENCED');
    await api().get(`/api/snomed/clinical-conditions/${code}`).set(bearer(admin)).expect(200);
  });

  it('validates path params and query parameters', async () => {
    const bad = await api().get('/api/volunteers/not-a-uuid').set(bearer(admin)).expect(400);
    expect(bad.body.fields).toEqual([{ field: 'volunteerId', problems: ['must be a UUID'] }]);
    const query = await api().get('/api/volunteers').query({ page: 0, pageSize: 1000, height: 'tall', nope: '1' }).set(bearer(admin)).expect(400);
    expect(query.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['height', 'nope', 'page', 'pageSize']);
    const body = await api()
      .post('/api/volunteers')
      .set(bearer(admin))
      .send({ birthDate: '2020-02-30T00:00:00Z', height: 'x', name: 'a'.repeat(201), researchNodeId: crypto.randomUUID() })
      .expect(400);
    const fields = Object.fromEntries(body.body.fields.map((f: { field: string; problems: string[] }) => [f.field, f.problems[0]]));
    expect(fields).toEqual(
      expect.objectContaining({
        birthDate: expect.stringMatching(/ISO-8601/),
        height: 'must be a finite number',
        name: 'must be at most 200 characters',
        researchNodeId: 'is set by this node and cannot be set',
        email: 'is required',
      }),
    );
    await api().post('/api/volunteers').set(bearer(admin)).send([1, 2]).expect(400);
    await api().post('/api/volunteers').set(bearer(admin)).set('Content-Type', 'application/json').send('{"broken').expect(400);
  });

  it('keeps microseconds of client timestamps exactly', async () => {
    const session = first('record_session');
    const res = await api().patch(`/api/sessions/${session.id}`).set(bearer(admin)).send({ startAt: '2026-03-04T05:06:07.123456Z' }).expect(200);
    expect(res.body.startAt).toBe('2026-03-04T05:06:07.123456Z');
    const offset = await api().patch(`/api/sessions/${session.id}`).set(bearer(admin)).send({ startAt: '2026-03-04T07:06:07.000001+02:00' }).expect(200);
    expect(offset.body.startAt).toBe('2026-03-04T05:06:07.000001Z');
  });

  it('cascades a parent delete to its children (each leaving a tombstone)', async () => {
    const volunteer = first('volunteer');
    await api().delete(`/api/volunteers/${volunteer.volunteerId}`).set(bearer(admin)).expect(204);
    await api().get(`/api/volunteers/${volunteer.volunteerId}/vital-signs`).set(bearer(admin)).expect(404);
    const [{ n }] = await node.dataSource.query(`SELECT count(*)::int AS n FROM vital_signs WHERE volunteer_id = $1`, [volunteer.volunteerId]);
    expect(n).toBe(0);
    const tombstones = await node.dataSource.query(`SELECT table_name FROM tombstones WHERE table_name IN ('volunteer', 'vital_signs')`);
    expect(tombstones.map((t: { table_name: string }) => t.table_name).sort()).toEqual(['vital_signs', 'volunteer']);
  });

  it('documents every CRUD path with its body schema in OpenAPI', async () => {
    const doc = (await api().get('/api/docs-json').expect(200)).body;
    const post = doc.paths['/api/volunteers/{volunteerId}/vital-signs'].post;
    expect(post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/VolunteerVitalSignsCreate');
    expect(doc.components.schemas.VolunteerVitalSignsCreate.properties.measurementDatetime).toEqual(expect.objectContaining({ format: 'date-time' }));
    expect(doc.paths['/api/research/{researchId}/researchers/{researcherId}'].delete).toBeDefined();
    expect(doc.paths['/api/sessions/{recordSessionId}/target-area'].patch).toBeDefined();
    expect(doc.paths['/api/record-channels/{id}/file'].put).toBeDefined();
    expect(doc.paths['/api/userauth/login'].post).toBeDefined();
  });
});
