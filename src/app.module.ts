import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './core/auth/access.guard';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from './config';
import { ConfigModule } from './config/config.module';
import { typeOrmOptions } from './database/typeorm-options';
import { HealthModule } from './health/health.module';
import { FEATURE_MODULES } from './feature-modules';

@Module({})
export class AppModule {
  /** The whole node for one configuration and database; two of these can run in one process. */
  static register(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({
          ...typeOrmOptions(config, databaseUrl),
          migrationsRun: config.database.runMigrations,
          retryAttempts: 2,
          retryDelay: 1000,
        }),
        CqrsModule.forRoot(),
        HealthModule,
        ...FEATURE_MODULES,
      ],
      // Registered first: every request is checked against its route's declared access rule.
      providers: [{ provide: APP_GUARD, useClass: AccessGuard }],
    };
  }
}
