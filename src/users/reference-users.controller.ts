import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-policy';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireUser, UserRole } from '../core/auth/access';
import { AppError } from '../core/errors/app-error';
import { FieldProblem, validationError } from '../core/validation';
import { isUuid } from '../core/uuid';
import { referenceError } from '../crud/reference/reference-errors';
import { referencePage, referencePaging } from '../crud/reference/reference-paging';
import { Fields } from '../core/http/fields';
import { User } from './entities/user.entity';
import { UsersService } from './users.service';

/** Reference UserDTO: never the password hash (the reference's create answer leaks it, D6). */
export function toReferenceUser(user: User) {
  const researcher = user.researcher;
  return {
    id: user.id,
    login: user.login,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    researcherId: user.researcherId ?? null,
    researcher: researcher ? { name: researcher.name, email: researcher.email, role: researcher.role, orcid: researcher.orcid } : null,
  };
}

const notFound = () => new AppError(404, 'ERR_USER_NOT_FOUND', 'User not found', { shape: 'detail' });

/** Runs an action with its errors in the reference's `Error` shape. */
async function reference<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw referenceError(error);
  }
}

/** The desktop sends "ADMIN" / "RESEARCHER"; roles are matched case-insensitively. */
function roleOf(value: unknown, problems: FieldProblem[]): UserRole | undefined {
  const role = Object.values(UserRole).find((r) => typeof value === 'string' && r.toLowerCase() === value.toLowerCase());
  if (!role) problems.push({ field: 'role', problems: [`must be one of ${Object.values(UserRole).join(', ')} (any case)`] });
  return role;
}

/** Optional string member: absent, null or "" means "not given" (the reference's update rule). */
function text(f: Fields, name: string, max: number, problems: FieldProblem[]): string | undefined {
  const value = f.raw(name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) problems.push({ field: name, problems: [`must be a string of at most ${max} characters`] });
  return typeof value === 'string' ? value : undefined;
}

function researcherIdOf(f: Fields, problems: FieldProblem[]): string | undefined {
  const value = text(f, 'researcherId', 36, problems);
  if (value !== undefined && !isUuid(value)) problems.push({ field: 'researcherId', problems: ['must be a UUID'] });
  return value;
}

/**
 * The reference's UserController (iris-desktop-api.md §3.2), Admin only. Passwords are stored
 * with this node's own hashing; the payload members bind case-insensitively and unknown ones
 * (the middleware's channelId, sessionToken, timestamp) are ignored.
 */
@ApiTags('reference (IRIS)')
@ApiBearerAuth()
@RequireUser(UserRole.Admin)
@Controller('api/User')
export class ReferenceUsersController {
  constructor(private readonly users: UsersService) {}

  @ApiOperation({ summary: 'Reference: users, paged (Admin)' })
  @Get('GetUsers')
  list(@Query() query: Record<string, unknown>) {
    return reference(async () => {
      const { page, pageSize } = referencePaging(query);
      const { items, total } = await this.users.page(page, pageSize);
      return referencePage(items.map(toReferenceUser), page, pageSize, total);
    });
  }

  @ApiOperation({ summary: 'Reference: create a user (Admin)' })
  @Post('New')
  @HttpCode(200)
  create(@Body() body: unknown) {
    return reference(() => this.add(body));
  }

  private async add(body: unknown) {
    const f = new Fields(body);
    const problems: FieldProblem[] = [];
    const login = text(f, 'login', 200, problems);
    const password = f.raw('password');
    if (!login) problems.push({ field: 'login', problems: ['is required'] });
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      problems.push({ field: 'password', problems: [`is required: ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`] });
    }
    const role = roleOf(f.raw('role'), problems);
    const researcherId = researcherIdOf(f, problems);
    if (problems.length) throw validationError(problems);
    const created = await this.users.create({ login: login!, password: password as string, role: role!, researcherId });
    return toReferenceUser(await this.users.requireWithResearcher(created.id));
  }

  @ApiOperation({ summary: 'Reference: update a user\'s login, role or researcher (Admin)' })
  @Put('Update/:id')
  update(@Param('id') id: string, @Body() body: unknown) {
    return reference(() => this.change(id, body));
  }

  private async change(id: string, body: unknown) {
    if (!isUuid(id)) throw notFound();
    const f = new Fields(body);
    const problems: FieldProblem[] = [];
    const login = text(f, 'login', 200, problems);
    const role = f.raw('role') === undefined || f.raw('role') === null || f.raw('role') === '' ? undefined : roleOf(f.raw('role'), problems);
    const researcherId = researcherIdOf(f, problems);
    if (problems.length) throw validationError(problems);
    if (!(await this.users.update(id, { login, role, researcherId }))) throw notFound();
    return toReferenceUser(await this.users.requireWithResearcher(id));
  }

  @ApiOperation({ summary: 'Reference: one user (Admin)' })
  @Get(':id')
  async get(@Param('id') id: string) {
    if (!isUuid(id)) throw notFound();
    const user = await this.users.findWithResearcher(id);
    if (!user) throw notFound();
    return toReferenceUser(user);
  }
}
