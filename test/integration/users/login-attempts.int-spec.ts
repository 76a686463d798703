import request from 'supertest';
import { UserRole } from '../../../src/core/auth/access';
import { UsersService } from '../../../src/users/users.service';
import { startTestNode, TestNode } from '../../support/test-node';

const PASSWORD = 'correct horse battery staple';

/** Failed logins are limited per login name and per client IP, before any password is hashed. */
describe('failed login limits', () => {
  let node: TestNode;
  const login = (name: string, password: string) => request(node.url).post('/api/userauth/login').send({ login: name, password });

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'login-limits', LOGIN_FAILURES_PER_LOGIN: '3', LOGIN_FAILURES_PER_IP: '5' });
    for (const name of ['alice', 'bob']) await node.app.get(UsersService).create({ login: name, password: `${PASSWORD}-${name.length}`, role: UserRole.Researcher });
  });
  afterAll(() => node?.close());

  it('refuses a login name after its failures, then the whole IP after its own', async () => {
    const alice = [];
    for (let i = 0; i < 3; i++) alice.push((await login('alice', 'wrong')).status);
    expect(alice).toEqual([401, 401, 401]);
    const locked = await login('alice', `${PASSWORD}-5`);
    expect([locked.status, locked.body.error, locked.headers['retry-after']]).toEqual([429, 'ERR_RATE_LIMIT_EXCEEDED', '900']);
    // Another login from the same IP still works until the IP has failed 5 times.
    expect((await login('bob', `${PASSWORD}-3`)).status).toBe(200);
    expect([(await login('bob', 'wrong')).status, (await login('bob', 'wrong')).status]).toEqual([401, 401]);
    expect((await login('bob', `${PASSWORD}-3`)).status).toBe(429);
    expect((await login('nobody', 'x')).status).toBe(429);
  });
});
