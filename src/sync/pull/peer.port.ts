import { Readable } from 'node:stream';

/** A peer this node pulls from, as the registry knows it. */
export interface PeerTarget {
  /** research_nodes id. */
  registryId: string;
  url: string;
  name: string;
  /** Base64 DER certificate we hold for the peer (may be empty when added without one). */
  certificate: string;
}

export interface PeerStream {
  status: number;
  headers: Record<string, string | undefined>;
  body: Readable;
}

/**
 * A 2xx streamed answer read in place: `feed` hands the body on as views of a reused buffer, each
 * valid only during the call, and waits for `ready()` (when it returns a promise) before reading on.
 */
export interface PeerBody {
  status: number;
  headers: Record<string, string | undefined>;
  feed(piece: (chunk: Buffer) => void, ready: () => Promise<void> | undefined): Promise<void>;
  destroy(): void;
}

/**
 * An authenticated, encrypted session with a peer (4-phase handshake done). Implemented over the
 * node-trust NodeChannelClient; the saga only sees this port.
 */
export interface PeerConnection {
  /** The peer's protocol node id (origin of its rows). */
  readonly peerProtocolId: string;
  /** Encrypted JSON call; rejects with a PeerError (core/errors/peer-error.ts). */
  invoke<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** Raw streamed response (file transfers), with the channel's key to decrypt frames. */
  stream(path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<PeerStream>;
  /**
   * A GET answer read into reused buffers (file frames: no fresh buffer per socket read); absent
   * when the connection cannot, and then `stream` serves.
   */
  readonly streamInPlace?: (path: string, headers?: Record<string, string>, signal?: AbortSignal) => Promise<PeerBody>;
  readonly channelKey: Buffer;
  close(): Promise<void>;
}

export abstract class PeerConnector {
  abstract connect(peer: PeerTarget, signal?: AbortSignal): Promise<PeerConnection>;
}
