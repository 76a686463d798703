import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { formatO } from '../../../src/node-trust/crypto/timestamp';
import { TrustStateStore } from '../../../src/node-trust/state/trust-state.store';
import { startTestNode, TestNode } from '../../support/test-node';
import { RawAnswer, RawChannel } from './raw-channel';
import { makeClientIdentity, TestPeer } from './trust-helpers';

type Peer = TestPeer;
const makePeer = makeClientIdentity;

/** No protocol data in an error answer: only the error fields. */
function expectError(answer: RawAnswer, status: number, code: string, options: { encrypted: boolean }) {
  expect(answer.status).toBe(status);
  expect(answer.encrypted).toBe(options.encrypted);
  const body = answer.body;
  const actual = (body.errorDetail as { code?: string } | undefined)?.code ?? body.error;
  expect(actual).toBe(code);
  for (const leak of ['sessionToken', 'challengeData', 'registrationId', 'ephemeralPublicKey']) expect(JSON.stringify(body)).not.toContain(leak);
}

describe('handshake rejections', () => {
  let b: TestNode;
  let registry: NodeRegistryService;
  let state: TrustStateStore;
  const authorized = makePeer('peer-ok');
  const readOnly = makePeer('peer-ro');
  const pending = makePeer('peer-pending');
  const revoked = makePeer('peer-revoked');
  const stranger = makePeer('peer-unknown');
  const ids: Record<string, string> = {};

  async function registerPeer(peer: Peer, status: AuthorizationStatus, level: NodeAccessLevelName) {
    const ch = await RawChannel.open(b.url);
    const answer = await ch.post('/api/node/register', { nodeId: peer.nodeId, nodeName: peer.nodeId, certificate: peer.certificateDer, requestedNodeAccessLevel: 0 });
    expect(answer.status).toBe(200);
    ids[peer.nodeId] = String(answer.body.registrationId);
    await registry.update(ids[peer.nodeId], { status, nodeAccessLevel: level });
  }

  async function identify(ch: RawChannel, peer: Peer) {
    const timestamp = formatO();
    return ch.post('/api/node/identify', {
      channelId: ch.channelId,
      nodeId: peer.nodeId,
      nodeName: peer.nodeId,
      certificate: peer.certificateDer,
      timestamp,
      signature: peer.sign(`${ch.channelId}${peer.nodeId}${timestamp}`),
    });
  }

  async function authenticate(ch: RawChannel, peer: Peer, challengeData: string, signer: Peer = peer) {
    const timestamp = formatO();
    return ch.post('/api/node/authenticate', {
      channelId: ch.channelId,
      nodeId: peer.nodeId,
      challengeData,
      timestamp,
      signature: signer.sign(`${challengeData}${ch.channelId}${peer.nodeId}${timestamp}`),
    });
  }

  async function session(peer: Peer): Promise<{ ch: RawChannel; token: string }> {
    const ch = await RawChannel.open(b.url);
    await identify(ch, peer);
    const challenge = await ch.post('/api/node/challenge', { channelId: ch.channelId, nodeId: peer.nodeId, timestamp: formatO() });
    const auth = await authenticate(ch, peer, String(challenge.body.challengeData));
    expect(auth.status).toBe(200);
    return { ch, token: String(auth.body.sessionToken) };
  }

  beforeAll(async () => {
    b = await startTestNode({ NODE_ID: 'reject-b', THROTTLE_STANDARD_PER_MINUTE: '10000' });
    registry = b.app.get(NodeRegistryService);
    state = b.app.get(TrustStateStore);
    await registerPeer(authorized, AuthorizationStatus.Authorized, NodeAccessLevelName.ReadWrite);
    await registerPeer(readOnly, AuthorizationStatus.Authorized, NodeAccessLevelName.ReadOnly);
    await registerPeer(pending, AuthorizationStatus.Pending, NodeAccessLevelName.ReadWrite);
    await registerPeer(revoked, AuthorizationStatus.Revoked, NodeAccessLevelName.ReadWrite);
  });
  afterAll(() => b?.close());

  describe('phase 1', () => {
    it.each([
      ['protocol version', { protocolVersion: '2.0' }, 'ERR_INCOMPATIBLE_VERSION'],
      ['clock skew', { timestamp: new Date(Date.now() - 6 * 60_000).toISOString() }, 'ERR_INVALID_TIMESTAMP'],
      ['short nonce', { nonce: Buffer.alloc(8).toString('base64') }, 'ERR_INVALID_NONCE'],
      ['garbage key', { ephemeralPublicKey: Buffer.from('nope').toString('base64') }, 'ERR_INVALID_EPHEMERAL_KEY'],
      ['key on another curve', { keyExchangeAlgorithm: 'ECDH-P256' }, 'ERR_INVALID_EPHEMERAL_KEY'],
      ['no common cipher', { supportedCiphers: ['ChaCha20-Poly1305'] }, 'ERR_CHANNEL_FAILED'],
    ])('rejects %s with 400 plaintext', async (_name, override, code) => {
      const res = await request(b.url).post('/api/channel/open').send(RawChannel.openRequest(override).body);
      expect(res.status).toBe(400);
      expect(res.body.errorDetail.code).toBe(code);
      expect(res.headers['x-channel-id']).toBeUndefined();
    });

    it('serves channel health and channel info without the key', async () => {
      const ch = await RawChannel.open(b.url);
      expect((await request(b.url).get('/api/channel/health')).status).toBe(200);
      const info = await request(b.url).get(`/api/channel/${ch.channelId}`);
      expect(info.body).toMatchObject({ channelId: ch.channelId, cipher: 'AES-256-GCM', role: 'server', isExpired: false });
      expect(JSON.stringify(info.body)).not.toContain(ch.key.toString('base64'));
    });
  });

  describe('channel layer', () => {
    it('rejects a missing, unknown or expired channel (400 plaintext)', async () => {
      const ch = await RawChannel.open(b.url);
      expectError(await ch.send('post', '/api/node/identify', { body: {}, channelId: null }), 400, 'ERR_MISSING_CHANNEL_ID', { encrypted: false });
      expectError(await ch.send('post', '/api/node/identify', { body: {}, channelId: 'no-such-channel' }), 400, 'ERR_INVALID_CHANNEL', { encrypted: false });
      const stored = await state.getJson<Record<string, unknown>>(`channel:${ch.channelId}`);
      await state.setJson(`channel:${ch.channelId}`, { ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() }, 60_000);
      expectError(await identify(ch, authorized), 400, 'ERR_INVALID_CHANNEL', { encrypted: false });
    });

    it.each(['encryptedData', 'iv', 'authTag'] as const)('rejects a tampered %s (400 ERR_DECRYPTION_FAILED, plaintext)', async (field) => {
      const ch = await RawChannel.open(b.url);
      const envelope = ch.encrypt({ nodeId: authorized.nodeId, certificate: authorized.certificateDer });
      const bytes = Buffer.from(envelope[field], 'base64');
      bytes[bytes.length - 1] ^= 0x01;
      const answer = await ch.send('post', '/api/node/identify', { envelope: { ...envelope, [field]: bytes.toString('base64') } });
      expectError(answer, 400, 'ERR_DECRYPTION_FAILED', { encrypted: false });
    });

    it('rejects a body encrypted with another channel\'s key and a plaintext body', async () => {
      const ch = await RawChannel.open(b.url);
      const other = await RawChannel.open(b.url);
      expectError(await ch.send('post', '/api/node/identify', { envelope: other.encrypt({}) }), 400, 'ERR_DECRYPTION_FAILED', { encrypted: false });
      expectError(await ch.send('post', '/api/node/identify', { envelope: { nodeId: 'x' } }), 400, 'ERR_INVALID_PAYLOAD', { encrypted: false });
    });
  });

  describe('phases 2-3', () => {
    it('rejects a bad identify signature (400 plaintext ERR_INVALID_SIGNATURE)', async () => {
      const ch = await RawChannel.open(b.url);
      const timestamp = formatO();
      const answer = await ch.post('/api/node/identify', {
        nodeId: authorized.nodeId,
        certificate: authorized.certificateDer,
        timestamp,
        signature: stranger.sign(`${ch.channelId}${authorized.nodeId}${timestamp}`),
      });
      expectError(answer, 400, 'ERR_INVALID_SIGNATURE', { encrypted: false });
    });

    it('accepts an identify signature over a 3-digit timestamp sent as is (server normalises to "O")', async () => {
      const ch = await RawChannel.open(b.url);
      const sent = '2026-02-18T12:00:21.120Z';
      const answer = await ch.post('/api/node/identify', {
        nodeId: authorized.nodeId,
        certificate: authorized.certificateDer,
        timestamp: sent,
        signature: authorized.sign(`${ch.channelId}${authorized.nodeId}2026-02-18T12:00:21.1200000Z`),
      });
      expect(answer.body).toMatchObject({ isKnown: true, status: 1, nextPhase: 'phase3_authenticate' });
    });

    it.each([
      ['Pending', () => pending, 2],
      ['Revoked', () => revoked, 3],
    ])('a %s node is identified but gets no challenge (400 encrypted ERR_NODE_NOT_AUTHORIZED)', async (_name, peer, status) => {
      const ch = await RawChannel.open(b.url);
      const who = await identify(ch, peer());
      expect(who.body).toMatchObject({ isKnown: true, status, nextPhase: null });
      const challenge = await ch.post('/api/node/challenge', { nodeId: peer().nodeId, timestamp: formatO() });
      expectError(challenge, 400, 'ERR_NODE_NOT_AUTHORIZED', { encrypted: true });
      expectError(await authenticate(ch, peer(), 'AAAA'), 400, 'ERR_NODE_NOT_AUTHORIZED', { encrypted: true });
    });

    it('an unknown node is not identified: no challenge (ERR_NODE_NOT_IDENTIFIED)', async () => {
      const ch = await RawChannel.open(b.url);
      expect((await identify(ch, stranger)).body).toMatchObject({ isKnown: false, status: 0 });
      expectError(await ch.post('/api/node/challenge', { nodeId: stranger.nodeId }), 400, 'ERR_NODE_NOT_IDENTIFIED', { encrypted: true });
    });

    it('rejects a wrong, replayed or expired challenge response (400 encrypted ERR_INVALID_CHALLENGE_RESPONSE)', async () => {
      const ch = await RawChannel.open(b.url);
      await identify(ch, authorized);
      const challenge = async () => String((await ch.post('/api/node/challenge', { nodeId: authorized.nodeId })).body.challengeData);

      // signed by a key that is not the registered certificate's
      expectError(await authenticate(ch, authorized, await challenge(), stranger), 400, 'ERR_INVALID_CHALLENGE_RESPONSE', { encrypted: true });
      // wrong challenge data
      await challenge();
      expectError(await authenticate(ch, authorized, Buffer.alloc(32, 7).toString('base64')), 400, 'ERR_INVALID_CHALLENGE_RESPONSE', { encrypted: true });
      // replay of a challenge that already produced a session
      const once = await challenge();
      expect((await authenticate(ch, authorized, once)).status).toBe(200);
      expectError(await authenticate(ch, authorized, once), 400, 'ERR_INVALID_CHALLENGE_RESPONSE', { encrypted: true });
      // expired
      const late = await challenge();
      const key = `challenge:${ch.channelId}`;
      const stored = await state.getJson<Record<string, unknown>>(key);
      await state.setJson(key, { ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() }, 60_000);
      expectError(await authenticate(ch, authorized, late), 400, 'ERR_INVALID_CHALLENGE_RESPONSE', { encrypted: true });
    });

    it('rejects an invalid registration (400 encrypted ERR_REGISTRATION_FAILED)', async () => {
      const ch = await RawChannel.open(b.url);
      const answer = await ch.post('/api/node/register', { nodeId: 'x', nodeName: 'x', certificate: 'bm90IGEgY2VydA==' });
      expectError(answer, 400, 'ERR_REGISTRATION_FAILED', { encrypted: true });
    });
  });

  describe('phase 4', () => {
    it('rejects a missing, expired or revoked session (401 ERR_NO_SESSION_TOKEN / ERR_INVALID_SESSION)', async () => {
      const { ch, token } = await session(authorized);
      expectError(await ch.post('/api/session/whoami', {}), 401, 'ERR_NO_SESSION_TOKEN', { encrypted: false });
      expect((await ch.post('/api/session/whoami', { sessionToken: token })).status).toBe(200); // deprecated body fallback
      const stored = await state.getJson<Record<string, unknown>>(`session:${token}`);
      await state.setJson(`session:${token}`, { ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() }, 60_000);
      expectError(await ch.post('/api/session/whoami', {}, token), 401, 'ERR_INVALID_SESSION', { encrypted: false });

      const second = await session(authorized);
      expect((await second.ch.post('/api/session/revoke', {}, second.token)).body).toMatchObject({ revoked: true });
      expectError(await second.ch.post('/api/session/whoami', {}, second.token), 401, 'ERR_INVALID_SESSION', { encrypted: false });
    });

    it('ends live sessions of a node an operator revokes', async () => {
      const temp = makePeer('peer-temp');
      await registerPeer(temp, AuthorizationStatus.Authorized, NodeAccessLevelName.ReadWrite);
      const { ch, token } = await session(temp);
      expect((await ch.post('/api/session/whoami', {}, token)).status).toBe(200);
      await registry.update(ids[temp.nodeId], { status: AuthorizationStatus.Revoked });
      expectError(await ch.post('/api/session/whoami', {}, token), 401, 'ERR_INVALID_SESSION', { encrypted: false });
    });

    it.each([
      ['ReadOnly', () => readOnly, NodeAccessLevel.ReadOnly],
      ['ReadWrite', () => authorized, NodeAccessLevel.ReadWrite],
    ])('a %s session on an Admin route gets 403 ERR_INSUFFICIENT_PERMISSIONS naming both capabilities', async (_n, peer, granted) => {
      const { ch, token } = await session(peer());
      const answer = await ch.post('/api/session/metrics', {}, token);
      expectError(answer, 403, 'ERR_INSUFFICIENT_PERMISSIONS', { encrypted: false });
      expect(answer.body).toMatchObject({ grantedCapabilities: granted, requiredCapability: NodeAccessLevel.Admin });
    });

    // The manifest reads the session's registry grant in its own first statement (SyncManifestRoute):
    // the same refusals as the guard's, before anything is done or answered.
    describe('the manifest, whose handler reads the grant', () => {
      const manifest = (ch: RawChannel, token: string, body: unknown = {}, protocol: string | undefined = '2') =>
        ch.send('post', '/api/sync/manifest', { body, session: token, headers: protocol ? { 'X-Sync-Protocol': protocol } : {} });

      it.each([['window', '2'], ['reference', undefined]])('answers a ReadWrite session (%s protocol) and counts the request', async (_n, protocol) => {
        const { ch, token } = await session(authorized);
        const answer = await manifest(ch, token, {}, protocol);
        expect(answer.status).toBe(200);
        expect(answer.encrypted).toBe(true);
        expect(await state.getJson<number>(`session:requests:${token}`)).toBeGreaterThanOrEqual(1);
      });

      it('refuses a ReadOnly session (403, plaintext)', async () => {
        const { ch, token } = await session(readOnly);
        expectError(await manifest(ch, token), 403, 'ERR_INSUFFICIENT_PERMISSIONS', { encrypted: false });
      });

      it.each([
        ['revoked', { status: AuthorizationStatus.Revoked }, '2', {}],
        ['lowered to ReadOnly', { nodeAccessLevel: NodeAccessLevelName.ReadOnly }, '2', {}],
        ['revoked (reference protocol)', { status: AuthorizationStatus.Revoked }, undefined, {}],
        ['revoked (a cursor that is not one)', { status: AuthorizationStatus.Revoked }, '2', { cursor: 'not-a-cursor' }],
      ])('ends the session of a node %s at once (401, plaintext)', async (name, change, protocol, body) => {
        const temp = makePeer(`peer-m-${name.replace(/\W+/g, '-')}`.slice(0, 40));
        await registerPeer(temp, AuthorizationStatus.Authorized, NodeAccessLevelName.ReadWrite);
        const { ch, token } = await session(temp);
        expect((await manifest(ch, token, {}, protocol)).status).toBe(200);
        await registry.update(ids[temp.nodeId], change);
        expectError(await manifest(ch, token, body, protocol), 401, 'ERR_INVALID_SESSION', { encrypted: false });
        expectError(await ch.post('/api/session/whoami', {}, token), 401, 'ERR_INVALID_SESSION', { encrypted: false });
      });
    });

    it('an Admin session reads metrics', async () => {
      const admin = makePeer('peer-admin');
      await registerPeer(admin, AuthorizationStatus.Authorized, NodeAccessLevelName.Admin);
      const { ch, token } = await session(admin);
      const answer = await ch.post('/api/session/metrics', {}, token);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ nodeId: ids[admin.nodeId], activeSessions: 1, nodeAccessLevel: NodeAccessLevel.Admin });
    });
  });
});
