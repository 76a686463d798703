import { createSecretKey } from 'node:crypto';
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
      // A KeyObject: given the text, jsonwebtoken tries it as a PEM public key (a thrown and caught
      // error) on every token it verifies, ~1 ms of CPU per request.
      useFactory: (config: AppConfig) => ({ secret: createSecretKey(Buffer.from(resolveJwtSecret(config), 'utf8')), signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [UserAuthController, UserAdminController, ReferenceUsersController],
  providers: [AuthTokens, LoginAttempts, UsersService, { provide: UserAuthenticator, useClass: JwtUserAuthenticator }],
  exports: [AuthTokens, UsersService, UserAuthenticator],
})
export class UsersModule {}
