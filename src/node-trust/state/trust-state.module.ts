import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config';
import { redact } from '../../config/env-reader';
import { MemoryStateStore } from './memory-state.store';
import { TrustStateStore } from './trust-state.store';

@Injectable()
class StateStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(TrustStateStore) private readonly store: TrustStateStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides the TrustStateStore: Redis when REDIS_URL is set, else in-process memory. The Redis
 * client is loaded only then: a node without Redis does not carry it.
 */
@Module({
  providers: [
    {
      provide: TrustStateStore,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<TrustStateStore> => {
        const { redisUrl, redisKeyPrefix } = config.throttle;
        if (!redisUrl) return new MemoryStateStore();
        new Logger('NodeTrust').log(`channel/session/rate-limit state in Redis ${redact(redisUrl)} (prefix "${redisKeyPrefix}")`);
        const { RedisStateStore } = await import('./redis-state.store.js');
        return RedisStateStore.connect(redisUrl, redisKeyPrefix);
      },
    },
    StateStoreCloser,
  ],
  exports: [TrustStateStore],
})
export class TrustStateModule {}
