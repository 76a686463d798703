import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config';
import { redact } from '../../config/env-reader';
import { MemoryStateStore } from './memory-state.store';
import { RedisStateStore } from './redis-state.store';
import { TrustStateStore } from './trust-state.store';

@Injectable()
class StateStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(TrustStateStore) private readonly store: TrustStateStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Provides the TrustStateStore: Redis when REDIS_URL is set, else in-process memory. */
@Module({
  providers: [
    {
      provide: TrustStateStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig): TrustStateStore => {
        const { redisUrl, redisKeyPrefix } = config.throttle;
        if (!redisUrl) return new MemoryStateStore();
        new Logger('NodeTrust').log(`channel/session/rate-limit state in Redis ${redact(redisUrl)} (prefix "${redisKeyPrefix}")`);
        return RedisStateStore.connect(redisUrl, redisKeyPrefix);
      },
    },
    StateStoreCloser,
  ],
  exports: [TrustStateStore],
})
export class TrustStateModule {}
