import request from 'supertest';
import { DataSource } from 'typeorm';
import { UserRole } from '../../../src/core/auth/access';
import { User } from '../../../src/users/entities/user.entity';
import { hashPassword, needsRehash, verifyPassword } from '../../../src/users/password-hasher';
import { passwordProblem } from '../../../src/users/password-policy';
import { UsersService } from '../../../src/users/users.service';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, createUserAndLogin, TestUser } from '../../support/users';

/** A node at the production password cost (no PASSWORD_HASH_COST override). */
describe('passwords: OWASP scrypt parameters, rehash at login, minimum policy', () => {
  let node: TestNode;
  let admin: TestUser;

  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'passwords', PASSWORD_HASH_COST: '17' });
    admin = await createUserAndLogin(node, UserRole.Admin);
  });
  afterAll(() => node?.close());

  const storedHash = async (login: string) => (await node.app.get(DataSource).getRepository(User).findOneByOrFail({ login })).passwordHash;

  it('hashes new passwords with scrypt N=2^17, r=8, p=1', async () => {
    expect(await storedHash(admin.login)).toMatch(/^scrypt\$131072\$8\$1\$[^$]+\$[^$]{86}==$/);
  });

  it('rehashes an older, cheaper hash at the next successful login, and only then', async () => {
    const login = 'legacy-user';
    const password = 'an-old-account-secret';
    await node.app.get(UsersService).create({ login, password, role: UserRole.Researcher });
    const legacy = await hashPassword(password, 14);
    await node.app.get(DataSource).getRepository(User).update({ login }, { passwordHash: legacy });

    await request(node.url).post('/api/userauth/login').send({ login, password: 'not-the-password' }).expect(401);
    expect(await storedHash(login)).toBe(legacy);

    await request(node.url).post('/api/userauth/login').send({ login, password }).expect(200);
    const upgraded = await storedHash(login);
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword(password, upgraded)).toBe(true);
    await request(node.url).post('/api/userauth/login').send({ login, password }).expect(200);
    expect(await storedHash(login)).toBe(upgraded);
  });

  it('refuses weak passwords with 400 ERR_WEAK_PASSWORD (API) or a validation error (too short)', async () => {
    const create = (login: string, password: string) => request(node.url).post('/api/users').set(bearer(admin.token)).send({ login, password, role: 'Researcher' });
    expect((await create('weak-1', 'eleven-char')).body).toMatchObject({ error: 'ERR_VALIDATION' });
    expect((await create('margaret', 'margaret-2026-x')).body).toMatchObject({ error: 'ERR_WEAK_PASSWORD', message: expect.stringMatching(/login/) });
    expect((await create('weak-3', 'aaaaaaaaaaaaaaa')).body).toMatchObject({ error: 'ERR_WEAK_PASSWORD' });
    expect((await create('weak-4', 'Password1234')).body).toMatchObject({ error: 'ERR_WEAK_PASSWORD' });
    expect((await create('strong', 'correct horse battery')).status).toBe(201);
  });
});

describe('password hash format', () => {
  it('knows which stored hashes are outdated or malformed', async () => {
    expect(needsRehash(await hashPassword('x'.repeat(12), 14), 17)).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12), 14), 14)).toBe(false);
    expect(needsRehash('scrypt$2$8$1$c2FsdA==$aGFzaA==')).toBe(true);
    // A corrupted row asking for 2^30 never makes the node allocate 128 GiB: it just does not match.
    expect(await verifyPassword('anything', 'scrypt$1073741824$8$1$c2FsdA==$aGFzaA==')).toBe(false);
  });

  it('policy: length counted in characters, not bytes', () => {
    expect(passwordProblem('çãõçãõçãõçã', 'someone')).toMatch(/at least 12/);
    expect(passwordProblem('çãõçãõçãõçãõ', 'someone')).toBeUndefined();
  });
});
