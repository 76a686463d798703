import { randomUUID } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';
import { UserRole } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';
import { User } from './entities/user.entity';
import { hashPassword } from './password-hasher';
import { requireAcceptablePassword } from './password-policy';

export interface NewUser {
  login: string;
  password: string;
  role: UserRole;
  researcherId?: string | null;
}

/** What the API shows of a user (never the hash). */
export interface UserView {
  id: string;
  login: string;
  role: UserRole;
  researcherId: string | null;
  createdAt: string;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    login: user.login,
    role: user.role,
    researcherId: user.researcherId ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

/**
 * Inserts a user with a scrypt hash. Shared by the HTTP API and the `user:create` CLI command (which
 * runs without a node, on its own DataSource). A taken login → 409 ERR_LOGIN_TAKEN; a password the
 * policy refuses → 400 ERR_WEAK_PASSWORD.
 */
export async function insertUser(manager: EntityManager, input: NewUser, passwordHashCost?: number): Promise<User> {
  requireAcceptablePassword(input.password, input.login);
  const user = manager.create(User, {
    id: randomUUID(),
    login: input.login,
    passwordHash: await hashPassword(input.password, passwordHashCost),
    role: input.role,
    researcherId: input.researcherId ?? null,
  });
  try {
    await manager.insert(User, user);
  } catch (error) {
    const code = (error instanceof QueryFailedError ? (error.driverError as { code?: string }) : undefined)?.code;
    if (code === '23505') throw new AppError(409, 'ERR_LOGIN_TAKEN', `login "${input.login}" is already taken`);
    if (code === '23503') {
      throw new AppError(422, 'ERR_REFERENCE_NOT_FOUND', `researcher ${input.researcherId} does not exist`, {
        details: { field: 'researcherId', value: input.researcherId },
      });
    }
    throw error;
  }
  return manager.findOneByOrFail(User, { id: user.id });
}
