import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { NodeAccessLevel } from '../../core/auth/access';

/** What a caller of NodeChannelClient gives it and gets back (the client itself: node-channel-client.ts). */

/** The calling node's identity (LocalIdentity satisfies it). */
export interface ClientIdentity {
  nodeId: string;
  nodeName: string;
  /** base64 DER. */
  certificateDer: string;
  sign(data: string): string;
}

export interface PeerTarget {
  url: string;
  /**
   * The peer's certificate as recorded in our registry at introduction. When given, a transcript
   * signature the peer sends at channel open must verify with it (else ERR_PEER_IDENTITY_MISMATCH,
   * nothing sent).
   */
  certificate?: string;
  /**
   * The peer must sign the channel transcript (a PRISM node, or a reference-protocol connection
   * that once did): a channel without that signature is refused before anything is sent.
   */
  requireTranscriptSignature?: boolean;
  /** Called once a channel's transcript signature verified (to record the extension for this peer). */
  onTranscriptVerified?: () => Promise<void>;
}

export interface NodeChannelClientOptions {
  timeoutMs?: number;
  /** Largest JSON answer read from the peer (SYNC_PEER_ANSWER_MAX_BYTES; default PEER_ANSWER_MAX_BYTES): a larger one fails the call. */
  maxAnswerBytes?: number;
  /** ECDH curve of the channel (default P384, as IRIS). */
  keyExchangeAlgorithm?: 'ECDH-P256' | 'ECDH-P384' | 'ECDH-P521';
  /** Re-handshake this long before the channel or session would expire. */
  expiryMarginMs?: number;
  /**
   * Ask for gzip. Off by default: bodies are AES-GCM ciphertext in base64, where gzip only wins back
   * the base64 overhead at a real CPU cost on both nodes.
   */
  compression?: boolean;
  /** TLS trust for https:// peers (PEER_CA_FILE); default: the system CAs. */
  httpsAgent?: HttpsAgent;
  /** File streams read in place by StreamedGet (`streamInPlace`); never behind a proxy (axios only goes through one). */
  streamsInPlace?: boolean;
  /** Add this node's transcript signatures (default true; false speaks exactly as a reference node). */
  signTranscript?: boolean;
}

export interface RegistrationRequest {
  contactInfo?: string;
  institutionDetails?: string;
  nodeUrl?: string;
  requestedNodeAccessLevel?: NodeAccessLevel;
}

export interface PeerStream {
  status: number;
  headers: Record<string, string>;
  data: Readable;
}
