import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config';
import { UserAuthenticator } from '../core/auth/authenticators';
import { CrudModule } from '../crud/crud.module';
import { AuthTokens } from './auth-tokens';
import { JwtUserAuthenticator } from './jwt-user.authenticator';
import { resolveJwtSecret } from './jwt-secret';
import { ReferenceUsersController } from './reference-users.controller';
import { UserAdminController, UserAuthController } from './users.controller';
import { LoginAttempts } from './login-attempts';
import { UsersService } from './users.service';

/**
 * Users, login and the UserAuthenticator the global AccessGuard uses for @RequireUser routes.
 * Global so the guard (registered in AppModule) can resolve the authenticator.
 */
@Global()
@Module({
  imports: [
    CrudModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: resolveJwtSecret(config), signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [UserAuthController, UserAdminController, ReferenceUsersController],
  providers: [AuthTokens, LoginAttempts, UsersService, { provide: UserAuthenticator, useClass: JwtUserAuthenticator }],
  exports: [AuthTokens, UsersService, UserAuthenticator],
})
export class UsersModule {}
