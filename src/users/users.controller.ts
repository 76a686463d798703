import type { Request } from 'express';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticatedRequest, NodeAccessLevel, PublicOrCapability, RequireUser, UserRole } from '../core/auth/access';
import { createValidationPipe } from '../core/validation';
import { referenceError } from '../crud/reference/reference-errors';
import { IssuedToken } from './auth-tokens';
import { readReferenceLogin } from './reference-login';
import { CreateUserRequest, LoginRequest, UserIdParams } from './users.dto';
import { LoginResult, UsersService } from './users.service';

/** The reference's UserLoginResponse `{token, expiration}` (plus `expiresAt`, which IRIS also reads). */
const referenceToken = ({ token, expiresAt }: IssuedToken) => ({ token, expiration: expiresAt, expiresAt });
import { UserView } from './users.store';

@ApiTags('users')
@ApiTags('users')
@Controller('api/userauth')
export class UserAuthController {
  constructor(private readonly users: UsersService) {}

  /**
   * Two callers, one path: plain `{login, password}` (operators, CLI, console) answers
   * `{token, expiresAt, user}`; over an encrypted channel with a node session (the IRIS desktop)
   * the reference's `{username, password: base64, researchId?}` answers `{token, expiration}`.
   */
  @PublicOrCapability(NodeAccessLevel.ReadOnly)
  @ApiOperation({ summary: 'Log in: a JWT for the API (plain {login, password}; or the reference payload over channel + session)' })
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: AuthenticatedRequest & Request): Promise<LoginResult | ReturnType<typeof referenceToken>> {
    if (req.nodeSession) {
      try {
        const { username, passwords, researchId } = readReferenceLogin(body);
        return referenceToken(await this.users.referenceLogin(username, passwords, researchId, req.ip));
      } catch (error) {
        throw referenceError(error);
      }
    }
    const input = (await createValidationPipe().transform(body, { type: 'body', metatype: LoginRequest })) as LoginRequest;
    return this.users.login(input.login, input.password, req.ip);
  }

  /** Reference RefreshToken: the identity is the Bearer token's; the body (`{token}` from IRIS) is ignored. */
  @RequireUser()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'A fresh JWT for the holder of a valid one (reference RefreshToken)' })
  @Post('refreshtoken')
  @HttpCode(200)
  async refresh(@Req() req: AuthenticatedRequest) {
    return referenceToken(await this.users.refresh(req.user!.id));
  }

  @RequireUser()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The logged-in user' })
  @Get('me')
  me(@Req() req: AuthenticatedRequest): Promise<UserView> {
    return this.users.get(req.user!.id);
  }
}

@ApiTags('users')
@ApiBearerAuth()
@RequireUser(UserRole.Admin)
@ApiTags('users')
@Controller('api/users')
export class UserAdminController {
  constructor(private readonly users: UsersService) {}

  @ApiOperation({ summary: 'List users (Admin)' })
  @Get()
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @ApiOperation({ summary: 'Create a user (Admin)' })
  @Post()
  create(@Body() body: CreateUserRequest): Promise<UserView> {
    return this.users.create(body);
  }

  @ApiOperation({ summary: 'Show a user (Admin)' })
  @Get(':id')
  get(@Param() params: UserIdParams): Promise<UserView> {
    return this.users.get(params.id);
  }

  @ApiOperation({ summary: 'Delete a user (Admin)' })
  @Delete(':id')
  @HttpCode(204)
  remove(@Param() params: UserIdParams, @Req() req: AuthenticatedRequest): Promise<void> {
    return this.users.remove(params.id, req.user!.id);
  }
}
