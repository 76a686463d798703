import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config';
import { NodeSessionAuthenticator } from '../core/auth/authenticators';
import { NodesModule } from '../nodes/nodes.module';
import { ChannelCryptoInterceptor } from './channel/channel-crypto.interceptor';
import { ChannelController } from './channel/channel.controller';
import { ChannelService } from './channel/channel.service';
import { ChannelStore } from './channel/channel.store';
import { ChallengeStore } from './handshake/challenge.store';
import { HandshakeController } from './handshake/handshake.controller';
import { HandshakeService } from './handshake/handshake.service';
import { LocalIdentity, loadLocalIdentity } from './identity/local-identity';
import { LocalNodeRegistrar } from './identity/local-node.registrar';
import { NodeChannelClientFactory } from './client/node-channel-client.factory';
import { ChannelSessionAuthenticator } from './session/node-session.authenticator';
import { SessionController } from './session/session.controller';
import { SessionService } from './session/session.service';
import { TrustStateModule } from './state/trust-state.module';
import { TrustStateStore } from './state/trust-state.store';
import { CallerIdentity } from './throttling/caller-identity';
import { NodeThrottlerGuard } from './throttling/node-throttler.guard';
import { StateThrottlerStorage } from './throttling/state-throttler.storage';
import { isSyncEndpoint, THROTTLE_STANDARD, THROTTLE_SYNC } from './throttling/throttle.decorators';

const MINUTE_MS = 60_000;

/**
 * The PRISM handshake (channel, identify/register, challenge, sessions), the encrypted-channel
 * layer, node rate limits and this node's identity. Global: exports the NodeSessionAuthenticator
 * the AccessGuard uses, the LocalIdentity and the NodeChannelClientFactory (pulling from peers).
 */
@Global()
@Module({
  imports: [
    NodesModule,
    TrustStateModule,
    ThrottlerModule.forRootAsync({
      imports: [TrustStateModule],
      inject: [AppConfig, TrustStateStore],
      useFactory: (config: AppConfig, state: TrustStateStore) => ({
        throttlers: [
          { name: THROTTLE_STANDARD, ttl: MINUTE_MS, limit: config.throttle.standardPerMinute },
          { name: THROTTLE_SYNC, ttl: MINUTE_MS, limit: config.throttle.syncPerMinute, skipIf: (context) => !isSyncEndpoint(context) },
        ],
        storage: new StateThrottlerStorage(state),
      }),
    }),
  ],
  controllers: [ChannelController, HandshakeController, SessionController],
  providers: [
    { provide: LocalIdentity, inject: [AppConfig], useFactory: (config: AppConfig) => loadLocalIdentity(config) },
    LocalNodeRegistrar,
    ChannelStore,
    ChannelService,
    ChallengeStore,
    SessionService,
    HandshakeService,
    ChannelSessionAuthenticator,
    { provide: NodeSessionAuthenticator, useExisting: ChannelSessionAuthenticator },
    NodeChannelClientFactory,
    CallerIdentity,
    { provide: APP_INTERCEPTOR, useClass: ChannelCryptoInterceptor },
    { provide: APP_GUARD, useClass: NodeThrottlerGuard },
  ],
  exports: [NodeSessionAuthenticator, CallerIdentity, LocalIdentity, NodeChannelClientFactory, SessionService, ChannelStore, NodesModule],
})
export class NodeTrustModule {}
