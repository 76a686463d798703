import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { unlessAborted } from '../../core/abortable';
import { NodeChannelClient } from '../../node-trust/client/node-channel-client';
import { NodeChannelClientFactory } from '../../node-trust/client/node-channel-client.factory';
import { PeerBody, PeerConnection, PeerConnector, PeerStream, PeerTarget } from './peer.port';

/** The pull's PeerConnection over the node-trust NodeChannelClient (4-phase handshake, encrypted calls). */
class ChannelPeerConnection implements PeerConnection {
  readonly streamInPlace?: (path: string, headers?: Record<string, string>, signal?: AbortSignal) => Promise<PeerBody>;

  constructor(
    private readonly client: NodeChannelClient,
    readonly peerProtocolId: string,
    /** The job's: a JSON call still waiting on the peer ends when the job is cancelled. */
    private readonly signal?: AbortSignal,
  ) {
    if (client.streamsInPlace) this.streamInPlace = (path, headers, signal) => client.streamInPlace(path, headers, signal);
  }

  get channelKey(): Buffer {
    return this.client.channelKey;
  }

  invoke<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return unlessAborted(this.client.invoke<T>(method, path, body, headers), this.signal);
  }

  async stream(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<PeerStream> {
    const res = await this.client.stream('GET', path, undefined, headers, signal);
    return { status: res.status, headers: res.headers, body: res.data };
  }

  /** The session stays open for the next pull (the client re-handshakes when it expires). */
  async close(): Promise<void> {}
}

/**
 * Connections to peers over the 4-phase handshake. A peer's channel and session are kept between
 * pulls (one handshake per session lifetime, not per pull), keyed by registry id and URL.
 */
@Injectable()
export class ChannelPeerConnector extends PeerConnector implements OnApplicationShutdown {
  private readonly sessions = new Map<string, NodeChannelClient>();

  constructor(private readonly clients: NodeChannelClientFactory) {
    super();
  }

  async connect(peer: PeerTarget, signal?: AbortSignal): Promise<PeerConnection> {
    const key = `${peer.registryId}|${peer.url}`;
    let client = this.sessions.get(key);
    if (!client) {
      // A handshake with a peer that stopped answering would hold a cancelled job until its timeout;
      // one that completes after the cancel is closed.
      const handshake = this.clients.registeredPeer(peer.registryId, peer.url).then((target) => this.clients.connect(target));
      client = await unlessAborted(handshake, signal, (late) => late.close().catch(() => undefined));
      this.sessions.set(key, client);
    }
    return new ChannelPeerConnection(client, peer.name, signal);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((c) => c.close().catch(() => undefined)));
    this.sessions.clear();
  }
}
