import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { UserRole } from '../../src/core/auth/access';
import { UsersService } from '../../src/users/users.service';
import type { TestNode } from './test-node';

export interface TestUser {
  id: string;
  login: string;
  password: string;
  role: UserRole;
  /** Bearer token from a real login over HTTP. */
  token: string;
}

/** Creates a user directly in the node's database and logs it in over HTTP. */
export async function createUserAndLogin(node: TestNode, role: UserRole, login?: string): Promise<TestUser> {
  const name = login ?? `${role.toLowerCase()}-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const user = await node.app.get(UsersService).create({ login: name, password, role });
  const loginRequest = request(node.url).post('/api/userauth/login');
  // A node serving HTTPS with a test certificate: trust exactly that certificate.
  const certFile = node.config.server.tls?.certFile;
  if (certFile) loginRequest.ca(readFileSync(certFile));
  const res = await loginRequest.send({ login: name, password });
  if (res.status !== 200) throw new Error(`login of ${name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: user.id, login: name, password, role, token: res.body.token as string };
}

/** A bearer token of a fresh Admin user of this node. */
export async function loginAsAdmin(node: TestNode): Promise<string> {
  return (await createUserAndLogin(node, UserRole.Admin)).token;
}

/** A bearer token of a fresh Researcher user of this node. */
export async function loginAsResearcher(node: TestNode): Promise<string> {
  return (await createUserAndLogin(node, UserRole.Researcher)).token;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
