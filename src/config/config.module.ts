import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './index';

/** Provides the validated AppConfig to every module (token: the AppConfig class). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}
