import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../core/errors/app-error';
import { AuthTokens, IssuedToken } from './auth-tokens';
import { User } from './entities/user.entity';
import { hashPassword, verifyPassword } from './password-hasher';
import { insertUser, NewUser, toUserView, UserView } from './users.store';

export interface LoginResult extends IssuedToken {
  user: UserView;
}

/** User administration and login; also the entry point other modules and tests use to create users. */
@Injectable()
export class UsersService {
  /** Verified against when the login is unknown, so both failures cost the same time. */
  private readonly dummyHash = hashPassword('prism-dummy-password');

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: AuthTokens,
  ) {}

  async create(input: NewUser): Promise<UserView> {
    return toUserView(await insertUser(this.dataSource.manager, input));
  }

  async list(): Promise<UserView[]> {
    const users = await this.dataSource.getRepository(User).find({ order: { login: 'ASC' } });
    return users.map(toUserView);
  }

  async findById(id: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ id });
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

  async login(login: string, password: string): Promise<LoginResult> {
    const user = await this.dataSource.getRepository(User).findOneBy({ login });
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !valid) throw new AppError(401, 'ERR_INVALID_CREDENTIALS', 'wrong login or password');
    return { ...(await this.tokens.issue(user)), user: toUserView(user) };
  }

  /** Creates a user and returns a token for it (tests and tools). */
  async createWithToken(input: NewUser): Promise<LoginResult> {
    const user = await this.create(input);
    return { ...(await this.tokens.issue(user)), user };
  }
}
