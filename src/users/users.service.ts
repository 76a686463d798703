import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuthenticatedUser, UserRole } from '../core/auth/access';
import { isUuid } from '../core/uuid';
import { AppError } from '../core/errors/app-error';
import { CrudEngine } from '../crud/crud-engine';
import { CrudResources } from '../crud/crud-resources';
import { AuthTokens, IssuedToken, ResearcherClaims } from './auth-tokens';
import { User } from './entities/user.entity';
import { hashPassword, needsRehash, verifyPassword } from './password-hasher';
import { AppConfig } from '../config';
import { LoginAttempts } from './login-attempts';
import { insertUser, NewUser, toUserView, UserView } from './users.store';

export interface LoginResult extends IssuedToken {
  user: UserView;
}

/** User administration and login; also the entry point other modules and tests use to create users. */
@Injectable()
export class UsersService {
  /** Verified against when the login is unknown, so both failures cost the same time (made on first use). */
  private dummyHash?: Promise<string>;
  private readonly logger = new Logger('Users');

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly tokens: AuthTokens,
    private readonly crud: CrudEngine,
    private readonly resources: CrudResources,
    private readonly attempts: LoginAttempts,
  ) {}

  async create(input: NewUser): Promise<UserView> {
    return toUserView(await insertUser(this.dataSource.manager, input, this.config.auth.passwordHashCost));
  }

  async list(): Promise<UserView[]> {
    const users = await this.dataSource.getRepository(User).find({ order: { login: 'ASC' } });
    return users.map(toUserView);
  }

  /** A page of users by login, each with its researcher profile. */
  async page(page: number, pageSize: number): Promise<{ items: User[]; total: number }> {
    const [items, total] = await this.dataSource
      .getRepository(User)
      .findAndCount({ relations: { researcher: true }, order: { login: 'ASC' }, skip: (page - 1) * pageSize, take: pageSize });
    return { items, total };
  }

  findWithResearcher(id: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOne({ where: { id }, relations: { researcher: true } });
  }

  async requireWithResearcher(id: string): Promise<User> {
    const user = await this.findWithResearcher(id);
    if (!user) throw new AppError(404, 'ERR_NOT_FOUND', `user ${id} not found`);
    return user;
  }

  /** Changes login, role or researcher link (undefined = unchanged); false when the user does not exist. */
  async update(id: string, changes: { login?: string; role?: UserRole; researcherId?: string }): Promise<boolean> {
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length === 0) return !!(await this.findById(id));
    try {
      const result = await this.dataSource.getRepository(User).update({ id }, { ...set, updatedAt: () => 'clock_timestamp()' });
      return !!result.affected;
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (code === '23505') throw new AppError(409, 'ERR_LOGIN_TAKEN', `login "${changes.login}" is already taken`);
      if (code === '23503') {
        throw new AppError(422, 'ERR_REFERENCE_NOT_FOUND', `researcher ${changes.researcherId} does not exist`, {
          details: { field: 'researcherId', value: changes.researcherId },
        });
      }
      throw error;
    }
  }

  async findById(id: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ id });
  }

  /**
   * Who a verified token's user is now (deleted: null), read fresh on every request so a deleted
   * user or a changed role bites at once: one indexed row, four columns, no entity load (it runs
   * in the guard of every user route; a TypeORM `findOneBy` costs several times the CPU).
   */
  async accessOf(id: string): Promise<AuthenticatedUser | null> {
    if (!isUuid(id)) return null;
    const rows: AuthenticatedUser[] = await this.dataSource.query(
      'SELECT id, login, role, researcher_id AS "researcherId" FROM users WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  }

  async get(id: string): Promise<UserView> {
    const user = await this.findById(id);
    if (!user) throw new AppError(404, 'ERR_NOT_FOUND', `user ${id} not found`);
    return toUserView(user);
  }

  async remove(id: string, actingUserId: string): Promise<void> {
    if (id === actingUserId) throw new AppError(409, 'ERR_CANNOT_DELETE_SELF', 'you cannot delete your own account');
    const result = await this.dataSource.getRepository(User).delete({ id });
    if (!result.affected) throw new AppError(404, 'ERR_NOT_FOUND', `user ${id} not found`);
  }

  async login(login: string, password: string, clientIp?: string): Promise<LoginResult> {
    const user = await this.attempts.guard(login, clientIp, () => this.verifyCredentials(login, [password]));
    return { ...(await this.issueFor(user)), user: toUserView(user) };
  }

  /**
   * The reference's sign-in (the IRIS desktop, through channel + session): any of the decoded
   * password readings may match; with `researchId` the user's researcher must be on that research.
   */
  async referenceLogin(login: string, passwords: string[], researchId?: string, clientIp?: string): Promise<IssuedToken> {
    const user = await this.attempts.guard(login, clientIp, () => this.verifyCredentials(login, passwords));
    if (researchId) await this.requireResearchMember(user, researchId);
    return this.issueFor(user);
  }

  /** A new token for the holder of a valid one (reference RefreshToken); the account is re-read. */
  async refresh(userId: string): Promise<IssuedToken> {
    const user = await this.findById(userId);
    if (!user) throw new AppError(401, 'ERR_INVALID_TOKEN', 'the token belongs to a user that no longer exists');
    return this.issueFor(user);
  }

  private async verifyCredentials(login: string, passwords: string[]): Promise<User> {
    const user = await this.dataSource.getRepository(User).findOneBy({ login });
    this.dummyHash ??= hashPassword('prism-dummy-password', this.config.auth.passwordHashCost);
    const hash = user?.passwordHash ?? (await this.dummyHash);
    let matched: string | undefined;
    for (const password of passwords) if (await verifyPassword(password, hash)) matched ??= password;
    if (!user || matched === undefined) throw new AppError(401, 'ERR_INVALID_CREDENTIALS', 'wrong login or password');
    await this.rehashIfOutdated(user, matched);
    return user;
  }

  /**
   * A hash made with older (cheaper) parameters is replaced at the login that proved the password.
   * Only if the row still holds that hash (a concurrent change wins); a failure never fails the login.
   */
  private async rehashIfOutdated(user: User, password: string): Promise<void> {
    const cost = this.config.auth.passwordHashCost;
    if (!needsRehash(user.passwordHash, cost)) return;
    try {
      const fresh = await hashPassword(password, cost);
      await this.dataSource.getRepository(User).update({ id: user.id, passwordHash: user.passwordHash }, { passwordHash: fresh });
      user.passwordHash = fresh;
    } catch (error) {
      this.logger.warn(`password rehash of user ${user.id} failed: ${(error as Error).message}`);
    }
  }

  private async issueFor(user: User): Promise<IssuedToken> {
    return this.tokens.issue(user, await this.researcherClaims(user));
  }

  private async researcherClaims(user: User): Promise<ResearcherClaims | undefined> {
    if (!user.researcherId) return undefined;
    const row = await this.crud.get(this.resources.get('researchers'), { researcherId: user.researcherId }).catch(() => undefined);
    if (!row) return undefined;
    return { researcherId: user.researcherId, name: String(row.name), email: String(row.email), orcid: String(row.orcid) };
  }

  private async requireResearchMember(user: User, researchId: string): Promise<void> {
    const link = user.researcherId
      ? await this.crud.get(this.resources.get('research-researchers'), { researchId, researcherId: user.researcherId }).catch(() => undefined)
      : undefined;
    if (!link || link.removedAt !== null) {
      throw new AppError(403, 'ERR_NOT_IN_RESEARCH', 'the user is not a researcher of this research', { details: { researchId } });
    }
  }

  /** Creates a user and returns a token for it (tests and tools). */
  async createWithToken(input: NewUser): Promise<LoginResult> {
    const user = await this.create(input);
    return { ...(await this.tokens.issue(user)), user };
  }
}
