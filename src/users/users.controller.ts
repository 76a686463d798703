import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticatedRequest, Public, RequireUser, UserRole } from '../core/auth/access';
import { CreateUserRequest, LoginRequest, UserIdParams } from './users.dto';
import { LoginResult, UsersService } from './users.service';
import { UserView } from './users.store';

@ApiTags('users')
@ApiTags('users')
@Controller('api/userauth')
export class UserAuthController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @ApiOperation({ summary: 'Log in: a JWT for the API' })
  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginRequest): Promise<LoginResult> {
    return this.users.login(body.login, body.password);
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
