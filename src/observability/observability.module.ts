import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config';
import { createRootLogger, httpLoggerOptions } from './logging';
import { MetricsController } from './metrics.controller';
import { NodeMetrics } from './node-metrics';
import { SyncMetricsHandler } from './sync-metrics.handler';

/**
 * Structured JSON logs (pino; request id on every request line, sync job id on every job line)
 * and Prometheus metrics at /metrics.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: httpLoggerOptions(createRootLogger(config)) }),
    }),
  ],
  controllers: [MetricsController],
  providers: [NodeMetrics, SyncMetricsHandler],
  exports: [NodeMetrics],
})
export class ObservabilityModule implements NestModule {
  constructor(private readonly metrics: NodeMetrics) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((req: Request, res: Response, next: NextFunction) => {
        res.once('finish', () => this.metrics.httpResponse(req.method, req.originalUrl, res.statusCode));
        next();
      })
      .forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
