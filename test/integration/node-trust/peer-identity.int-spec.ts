import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { NodeChannelClient } from '../../../src/node-trust/client/node-channel-client';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { certificateFingerprint } from '../../../src/node-trust/crypto/certificates';
import { transcriptText } from '../../../src/node-trust/crypto/transcript';
import { LocalIdentity } from '../../../src/node-trust/identity/local-identity';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { startRelayProxy } from '../../support/relay-proxy';
import { startTestNode, TestNode } from '../../support/test-node';
import { bearer, loginAsAdmin } from '../../support/users';
import { RawChannel } from './raw-channel';
import { authorizedClient, introduce, makeClientIdentity } from './trust-helpers';
import { peerRejection } from '../../support/peer-rejection';

describe('peer identity: channel transcript signatures both ways', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    a = await startTestNode({ NODE_ID: 'ident-a' });
    b = await startTestNode({ NODE_ID: 'ident-b', THROTTLE_STANDARD_PER_MINUTE: '1000' });
    await introduce(a, b, NodeAccessLevel.ReadWrite);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const bCertificate = () => b.app.get(LocalIdentity).certificateDer;
  const clientAtoB = (url: string, certificate: string, extra: { requireTranscriptSignature?: boolean } = { requireTranscriptSignature: true }) =>
    a.app.get(NodeChannelClientFactory).create({ url, certificate, ...extra });

  it('the serving node signs the transcript; our client verifies it with the recorded certificate and connects', async () => {
    const client = clientAtoB(b.url, bCertificate());
    await client.connect();
    expect(client.sessionToken).toBeDefined();
    await client.close();
  });

  it('another certificate than the recorded one: ERR_PEER_IDENTITY_MISMATCH at channel open, nothing sent', async () => {
    const client = clientAtoB(b.url, a.app.get(LocalIdentity).certificateDer);
    const error = await peerRejection(client.connect());
    expect(error.code).toBe('ERR_PEER_IDENTITY_MISMATCH');
    expect(client.channelId).toBeUndefined();
  });

  it('a relay that strips the signature is refused unless the connection is reference-protocol and never signed', async () => {
    const relay = await startRelayProxy(b.url, {
      rewriteChannelOpen: ({ transcriptSignature: _dropped, ...rest }) => rest,
    });
    try {
      expect((await peerRejection(clientAtoB(relay.url, bCertificate()).connect())).code).toBe('ERR_PEER_IDENTITY_MISMATCH');
      const reference = clientAtoB(relay.url, bCertificate(), { requireTranscriptSignature: false });
      await reference.connect();
      await reference.close();
    } finally {
      await relay.close();
    }
  });

  it('the connection policy: reference-protocol connections accept an unsigned peer until it once signed (no downgrade)', async () => {
    const registry = a.app.get(NodeRegistryService);
    const connection = await registry.addConnection({ nodeName: 'B', nodeUrl: b.url, certificate: bCertificate(), certificateFingerprint: 'fp-of-b-for-policy', protocol: 'reference' });
    const factory = a.app.get(NodeChannelClientFactory);
    expect(await factory.registeredPeer(connection.id, b.url)).toMatchObject({ requireTranscriptSignature: false });
    const client = factory.create(await factory.registeredPeer(connection.id, b.url));
    await client.openChannel();
    expect((await registry.require(connection.id)).transcriptSignedAt).not.toBeNull();
    expect(await factory.registeredPeer(connection.id, b.url)).toMatchObject({ requireTranscriptSignature: true });
    const admin = await loginAsAdmin(a);
    const listed = await request(a.url).get(`/api/node/${connection.id}`).set(bearer(admin));
    expect(listed.body).toMatchObject({ protocol: 'reference', transcriptSignedAt: expect.any(String) });
    const marked = await request(a.url).put(`/api/node/Update/${connection.id}`).set(bearer(admin)).send({ protocol: 'prism-node' });
    expect(marked.body).toMatchObject({ protocol: 'prism-node' });
    const invalid = await request(a.url).put(`/api/node/Update/${connection.id}`).set(bearer(admin)).send({ protocol: 'anything' });
    expect(invalid.status).toBe(400);
  });

  it('a client transcript signature made on another channel (relayed) never verifies: 400 ERR_INVALID_SIGNATURE', async () => {
    const { peer } = await authorizedClient(b, NodeAccessLevelName.ReadWrite);
    const theirs = await RawChannel.open(b.url);
    const ours = await RawChannel.open(b.url);
    const foreignTranscript = transcriptText(
      { channelId: theirs.channelId, clientEphemeralPublicKey: 'x', serverEphemeralPublicKey: 'y', clientNonce: 'n', serverNonce: 'm' },
      'client',
    );
    const answer = await ours.post('/api/node/identify', {
      channelId: ours.channelId,
      nodeId: peer.nodeId,
      certificate: peer.certificateDer,
      transcriptSignature: peer.sign(foreignTranscript),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errorDetail: { code: 'ERR_INVALID_SIGNATURE' } });
  });

  it('a node that once signed its transcript gets no session from an unsigned handshake (no downgrade)', async () => {
    const { peer } = await authorizedClient(b, NodeAccessLevelName.ReadWrite);
    const unsigned = new NodeChannelClient({ url: b.url }, peer, { signTranscript: false });
    const error = await peerRejection(unsigned.connect());
    expect(error.code).toBe('ERR_TRANSCRIPT_SIGNATURE_REQUIRED');
  });

  it('a node that never signed (a reference client) still authenticates without the extension', async () => {
    const reference = makeClientIdentity('reference-like');
    const registering = new NodeChannelClient({ url: b.url }, reference, { signTranscript: false });
    await registering.openChannel();
    const { registrationId } = await registering.register({});
    await b.app.get(NodeRegistryService).update(String(registrationId), { status: AuthorizationStatus.Authorized });
    const session = new NodeChannelClient({ url: b.url }, reference, { signTranscript: false });
    await session.connect();
    expect(session.sessionToken).toBeDefined();
  });
});

describe('sessions: bound to their channel, bounded, ended by revocation or downgrade', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ NODE_ID: 'sessions', THROTTLE_STANDARD_PER_MINUTE: '1000', SESSION_MAX_LIFETIME_SECONDS: '4000' });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('a session token replayed on another channel is refused with 401', async () => {
    const { client } = await authorizedClient(node, NodeAccessLevelName.ReadWrite);
    const other = await RawChannel.open(node.url);
    const answer = await other.post('/api/session/whoami', {}, client.sessionToken);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'ERR_INVALID_SESSION' });
    // still valid on its own channel
    await expect(client.invoke('POST', '/api/session/whoami', {})).resolves.toMatchObject({ channelId: client.channelId });
  });

  it('renewals stop at SESSION_MAX_LIFETIME_SECONDS', async () => {
    const { client } = await authorizedClient(node, NodeAccessLevelName.ReadOnly);
    const renewed = await client.invoke<{ expiresAt: string; remainingSeconds: number }>('POST', '/api/session/renew', { additionalSeconds: 3600 });
    expect(renewed.remainingSeconds).toBeLessThanOrEqual(4000);
    const error = await peerRejection(client.invoke('POST', '/api/session/renew', { additionalSeconds: 3600 }));
    expect(error.status).toBe(401);
    expect(error.code).toBe('ERR_SESSION_RENEWAL_FAILED');
  });

  it('lowering a peer\'s level ends its session at its next request', async () => {
    const { client, peer } = await authorizedClient(node, NodeAccessLevelName.ReadWrite);
    const channelId = client.channelId!;
    const token = client.sessionToken!;
    const registry = node.app.get(NodeRegistryService);
    const row = (await registry.list()).items.find((n) => n.nodeName === peer.nodeName)!;
    await registry.update(row.id, { nodeAccessLevel: NodeAccessLevelName.ReadOnly });
    const raw = await request(node.url).post('/api/session/whoami').set('X-Channel-Id', channelId).set('X-Session-Id', token).send({});
    expect(raw.status).toBe(401);
  });

  it('replacing a peer\'s certificate in the registry ends its sessions at their next request', async () => {
    const { client } = await authorizedClient(node, NodeAccessLevelName.ReadWrite, makeClientIdentity('peer-rekeyed'));
    await expect(client.invoke('POST', '/api/session/whoami', {})).resolves.toMatchObject({ channelId: client.channelId });
    const registry = node.app.get(NodeRegistryService);
    const row = (await registry.list()).items.find((n) => n.nodeName === 'peer-rekeyed')!;
    const replacement = makeClientIdentity('peer-rekeyed-new').certificateDer;
    await registry.update(row.id, { certificate: replacement, certificateFingerprint: certificateFingerprint(replacement) });
    const raw = await request(node.url).post('/api/session/whoami').set('X-Channel-Id', client.channelId!).set('X-Session-Id', client.sessionToken!).send({});
    expect(raw.status).toBe(401);
    expect(raw.body).toMatchObject({ error: 'ERR_INVALID_SESSION' });
  });
});
