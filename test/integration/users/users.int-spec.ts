import { JwtService } from '@nestjs/jwt';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { UserRole } from '../../../src/core/auth/access';
import { AuthTokens } from '../../../src/users/auth-tokens';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, createUserAndLogin, TestUser } from '../../support/users';

describe('users and login', () => {
  let node: TestNode;
  let admin: TestUser;
  let researcher: TestUser;

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'users-node', ...BULK_HTTP_ENV });
    admin = await createUserAndLogin(node, UserRole.Admin);
    researcher = await createUserAndLogin(node, UserRole.Researcher);
  });
  afterAll(() => node?.close());

  it('logs in and returns token, expiry and the user without its hash', async () => {
    const res = await request(node.url).post('/api/userauth/login').send({ login: admin.login, password: admin.password }).expect(200);
    expect(res.body.user).toEqual(expect.objectContaining({ id: admin.id, login: admin.login, role: 'Admin' }));
    expect(res.body.user.passwordHash).toBeUndefined();
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(3500 * 1000);
    const me = await request(node.url).get('/api/userauth/me').set(bearer(res.body.token)).expect(200);
    expect(me.body.login).toBe(admin.login);
  });

  it('stores the generated JWT secret in DATA_DIR with mode 0600', () => {
    expect(statSync(join(node.dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('rejects a wrong password and an unknown login alike', async () => {
    for (const body of [{ login: admin.login, password: 'wrong-password' }, { login: 'nobody', password: 'whatever1' }]) {
      const res = await request(node.url).post('/api/userauth/login').send(body).expect(401);
      expect(res.body.error).toBe('ERR_INVALID_CREDENTIALS');
    }
  });

  it('validates the login body', async () => {
    const res = await request(node.url).post('/api/userauth/login').send({ login: 5, extra: true }).expect(400);
    expect(res.body.error).toBe('ERR_VALIDATION');
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['extra', 'login', 'password']);
  });

  it('answers 401 without, with a forged and with an expired token', async () => {
    expect((await request(node.url).get('/api/userauth/me').expect(401)).body.error).toBe('ERR_NO_TOKEN');
    const forged = new JwtService({ secret: 'x'.repeat(40) }).sign({ sub: admin.id, login: admin.login, role: 'Admin' });
    expect((await request(node.url).get('/api/userauth/me').set(bearer(forged)).expect(401)).body.error).toBe('ERR_INVALID_TOKEN');
    const expired = await node.app
      .get(JwtService)
      .signAsync({ sub: admin.id, login: admin.login, role: 'Admin', exp: Math.floor(Date.now() / 1000) - 10 });
    expect((await request(node.url).get('/api/userauth/me').set(bearer(expired)).expect(401)).body.error).toBe('ERR_TOKEN_EXPIRED');
    expect((await request(node.url).get('/api/userauth/me').set({ Authorization: 'Basic abc' }).expect(401)).body.error).toBe('ERR_INVALID_TOKEN');
  });

  it('lets only Admins administer users', async () => {
    expect((await request(node.url).get('/api/users').set(bearer(researcher.token)).expect(403)).body.error).toBe('ERR_FORBIDDEN_ROLE');
    expect((await request(node.url).get('/api/users').expect(401)).body.error).toBe('ERR_NO_TOKEN');
    const created = await request(node.url)
      .post('/api/users')
      .set(bearer(admin.token))
      .send({ login: 'carol', password: 'researcher-pass-1', role: 'Researcher' })
      .expect(201);
    const list = await request(node.url).get('/api/users').set(bearer(admin.token)).expect(200);
    expect(list.body.map((u: { login: string }) => u.login)).toContain('carol');
    await request(node.url).post('/api/users').set(bearer(admin.token)).send({ login: 'carol', password: 'another-password-2', role: 'Admin' }).expect(409);
    const bad = await request(node.url).post('/api/users').set(bearer(admin.token)).send({ login: 'x', password: 'short', role: 'Boss' }).expect(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(['password', 'role']);
    const token = (await request(node.url).post('/api/userauth/login').send({ login: 'carol', password: 'researcher-pass-1' }).expect(200)).body.token;
    await request(node.url).delete(`/api/users/${created.body.id}`).set(bearer(admin.token)).expect(204);
    // A deleted user's token stops working at once.
    expect((await request(node.url).get('/api/userauth/me').set(bearer(token)).expect(401)).body.error).toBe('ERR_INVALID_TOKEN');
    await request(node.url).delete(`/api/users/${created.body.id}`).set(bearer(admin.token)).expect(404);
    await request(node.url).delete(`/api/users/not-a-uuid`).set(bearer(admin.token)).expect(400);
  });

  it('issues tokens other modules can use', async () => {
    const { token } = await node.app.get(AuthTokens).issue({ id: researcher.id, login: researcher.login, role: UserRole.Researcher });
    await request(node.url).get('/api/userauth/me').set(bearer(token)).expect(200);
  });
});
