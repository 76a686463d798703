import { applyDecorators, SetMetadata } from '@nestjs/common';
import { NodeAccessLevel, RequireCapability } from '../../core/auth/access';
import { SyncEndpoint } from '../throttling/throttle.decorators';

export const ENCRYPTED_CHANNEL = 'prism:encrypted-channel';

/**
 * Marks a route served over the encrypted channel: the request body arrives as
 * `{encryptedData, iv, authTag}` and the response (also errors raised by the handler) leaves
 * encrypted with the channel key. Encryption itself follows the request (every request
 * authenticated through a channel is encrypted both ways); the marker makes the intent explicit
 * and refuses the route when no channel was verified (e.g. combined with @Public by mistake).
 */
export const EncryptedChannel = () => SetMetadata(ENCRYPTED_CHANNEL, true);

/**
 * A sync export route: ReadWrite session over the encrypted channel, `sync` throttle profile
 * (600/min per node). Handlers may return `RawJson` (src/core/http/raw-json.ts) to send JSON
 * text built elsewhere without re-serialising it; it is still encrypted.
 */
export const SyncExportRoute = (capability: NodeAccessLevel = NodeAccessLevel.ReadWrite) =>
  applyDecorators(RequireCapability(capability), EncryptedChannel(), SyncEndpoint());

/**
 * The manifest route (SyncExportRoute, ReadWrite): its handler reads the session's registry grant
 * in its first statement (AccessRule `grantInHandler`), so a pull with nothing to do costs the
 * source one round trip; the handler settles the grant before it does or answers anything.
 */
export const SyncManifestRoute = () =>
  applyDecorators(RequireCapability(NodeAccessLevel.ReadWrite, { grantInHandler: true }), EncryptedChannel(), SyncEndpoint());
