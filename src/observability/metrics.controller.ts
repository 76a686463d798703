import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../core/auth/access';
import { NoThrottle } from '../node-trust/throttling/throttle.decorators';
import { NodeMetrics } from './node-metrics';

@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: NodeMetrics) {}

  /** Public like /health: Prometheus scrapes without credentials; restrict it at the network edge. */
  @Public()
  @NoThrottle()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics: sync duration, rows and bytes by aggregate, failures by cause, HTTP and throttled requests' })
  @ApiProduces('text/plain')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
