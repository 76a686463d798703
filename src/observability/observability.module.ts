import { Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger as PinoInstance } from 'pino';
import pinoHttp from 'pino-http';
import { AppConfig } from '../config';
import { createRootLogger, httpLoggerOptions, ROOT_LOGGER } from './logging';
import { MetricsController } from './metrics.controller';
import { NodeMetrics } from './node-metrics';
import { SyncMetricsHandler } from './sync-metrics.handler';

/**
 * Structured JSON logs (pino; request id on every request line, sync job id on every job line)
 * and Prometheus metrics at /metrics.
 */
@Module({
  controllers: [MetricsController],
  providers: [NodeMetrics, SyncMetricsHandler, { provide: ROOT_LOGGER, inject: [AppConfig], useFactory: createRootLogger }],
  exports: [NodeMetrics, ROOT_LOGGER],
})
export class ObservabilityModule implements NestModule {
  constructor(
    private readonly metrics: NodeMetrics,
    @Inject(ROOT_LOGGER) private readonly logger: PinoInstance,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(pinoHttp(httpLoggerOptions(this.logger)), (req: Request, res: Response, next: NextFunction) => {
        res.once('finish', () => this.metrics.httpResponse(req.method, req.originalUrl, res.statusCode));
        next();
      })
      .forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
