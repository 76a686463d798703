/**
 * The channel-open transcript signatures: an additive extension of the reference protocol
 * (docs/security.md "Peer identity"). The reference authenticates only the CLIENT node, with
 * signatures over `channelId + nodeId + timestamp` that a relay can forward unchanged. Here both
 * ends sign what makes this channel unique (both ephemeral ECDH keys, both nonces, the channel id)
 * with their certificate key, so a signature made on one channel never verifies on another:
 * - the serving node adds `transcriptSignature` (signer "server") to the channel-open answer;
 * - the client adds `transcriptSignature` (signer "client") to identify, register and authenticate.
 * Reference nodes ignore the fields.
 */
export const TRANSCRIPT_SIGNATURE_FIELD = 'transcriptSignature';

export interface ChannelTranscript {
  channelId: string;
  /** base64 SPKI DER, as sent on the wire. */
  clientEphemeralPublicKey: string;
  serverEphemeralPublicKey: string;
  /** base64 of the decoded nonce bytes. */
  clientNonce: string;
  serverNonce: string;
}

/** The signed text; the signer's role is part of it, so a server signature never passes as a client's. */
export function transcriptText(transcript: ChannelTranscript, signer: 'server' | 'client'): string {
  return [
    'PRISM-channel-transcript-v1',
    signer,
    transcript.channelId,
    transcript.clientEphemeralPublicKey,
    transcript.serverEphemeralPublicKey,
    transcript.clientNonce,
    transcript.serverNonce,
  ].join('\n');
}
