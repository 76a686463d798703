import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './core/auth/access.guard';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from './config';
import { ConfigModule } from './config/config.module';
import { typeOrmOptions } from './database/typeorm-options';
import { HealthModule } from './health/health.module';
import { featureModules } from './feature-modules';
import { AGGREGATE_MODULES } from './aggregates';
import { entitiesFor } from './database/entities';

@Module({})
export class AppModule {
  /**
   * The whole node for one configuration and database; two of these can run in one process.
   * `aggregates`: the aggregate modules (src/aggregates.ts; a test may add one).
   */
  static register(config: AppConfig, databaseUrl: string, aggregates: (Type<unknown> | DynamicModule)[] = AGGREGATE_MODULES): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({
          ...typeOrmOptions(config, databaseUrl, entitiesFor(aggregates)),
          migrationsRun: config.database.runMigrations,
          retryAttempts: 2,
          retryDelay: 1000,
        }),
        CqrsModule.forRoot(),
        HealthModule,
        ...featureModules(aggregates),
      ],
      // Registered first: every request is checked against its route's declared access rule.
      providers: [{ provide: APP_GUARD, useClass: AccessGuard }],
    };
  }
}
