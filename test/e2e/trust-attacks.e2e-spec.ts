import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NodeAccessLevel } from '../../src/core/auth/access';
import { NodeChannelClient } from '../../src/node-trust/client/node-channel-client';
import { signData } from '../../src/node-trust/crypto/certificates';
import { RawChannel, signedNow } from '../integration/node-trust/raw-channel';
import { call } from './harness/http';
import { MitmRelay } from './harness/mitm-relay';
import { NodeProcess } from './harness/node-process';
import { identityOf, ProcessPair } from './harness/process-cluster';
import { startPair } from './harness/target';
import { peerRejection } from '../support/peer-rejection';

/** The fields of a registry row an attacker would want to change. */
async function registryRow(baseUrl: string, token: string, id: string) {
  const res = await call(baseUrl, 'GET', `/api/node/${id}`, { token });
  expect(res.status).toBe(200);
  const { nodeName, nodeUrl, status, nodeAccessLevel, contactInfo, institutionDetails, certificateFingerprint, requestedChange } = res.body;
  return { nodeName, nodeUrl, status, nodeAccessLevel, contactInfo, institutionDetails, certificateFingerprint, requestedChange };
}

/** Someone holding a node's PUBLIC certificate (served by GET /api/node/identity) but not its key. */
function impostorOf(nodeId: string, certificateDer: string) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { nodeId, nodeName: nodeId, certificateDer, sign: (d: string) => signData(privateKey, d) };
}

/**
 * Issue 12, the attack on the trust boundary with real processes over HTTP: re-register a trusted
 * peer's certificate with the attacker's URL, relay the puller's handshake to the real peer, replay
 * signatures and sessions. Each step must fail.
 */
describe('trust attacks: re-registration, relay, unsigned identify, session replay', () => {
  let pair: ProcessPair;
  let requesterOnB: string;

  beforeAll(async () => {
    pair = await startPair();
    // A legitimate pull first: A has seen B sign its channel transcript.
    const pulled = await call(pair.a.url, 'POST', '/api/sync/pull', { token: pair.a.admin, body: { remoteNodeId: pair.peerOnA } });
    expect(pulled.status).toBe(200);
    const registered = await call(pair.b.url, 'GET', '/api/node/nodes', { token: pair.b.admin });
    requesterOnB = registered.body.find((n: { nodeName: string }) => n.nodeName === 'Node A').id;
  }, 240_000);
  afterAll(async () => {
    await pair?.close();
  });

  it('step 1: registering B\'s public certificate at A with the attacker\'s URL and a higher level changes nothing', async () => {
    const before = await registryRow(pair.a.url, pair.a.admin, pair.peerOnA);
    const identity = await call(pair.b.url, 'GET', '/api/node/identity');
    const impostor = impostorOf('node-b', identity.body.certificate);
    for (const signTranscript of [true, false]) {
      const client = new NodeChannelClient({ url: pair.a.url }, impostor, { signTranscript });
      await client.openChannel();
      const error = await peerRejection(client.register({ nodeUrl: 'http://attacker.invalid', requestedNodeAccessLevel: NodeAccessLevel.Admin }));
      expect(error.code).toBe(signTranscript ? 'ERR_INVALID_SIGNATURE' : 'ERR_TRANSCRIPT_SIGNATURE_REQUIRED');
    }
    expect(await registryRow(pair.a.url, pair.a.admin, pair.peerOnA)).toEqual(before);
    expect(before).toMatchObject({ status: 1, requestedChange: null });
  });

  it('step 2: with the attacker at B\'s URL, A\'s pull refuses the relayed channel before sending anything', async () => {
    const relay = new MitmRelay(pair.b.url);
    await relay.start();
    const original = (await registryRow(pair.a.url, pair.a.admin, pair.peerOnA)).nodeUrl;
    try {
      const moved = await call(pair.a.url, 'PUT', `/api/node/Update/${pair.peerOnA}`, { token: pair.a.admin, body: { nodeUrl: relay.url } });
      expect(moved.status).toBe(200);
      const pulled = await call(pair.a.url, 'POST', '/api/sync/pull', { token: pair.a.admin, body: { remoteNodeId: pair.peerOnA } });
      expect(pulled.status).toBe(502);
      expect(JSON.stringify(pulled.body)).toContain('ERR_PEER_IDENTITY_MISMATCH');
      expect(relay.received).toEqual(['/api/channel/open']);
    } finally {
      await call(pair.a.url, 'PUT', `/api/node/Update/${pair.peerOnA}`, { token: pair.a.admin, body: { nodeUrl: original } });
      await relay.close();
    }
  });

  it('step 3: the real peer refuses A\'s relayed transcript signature, and an unsigned relay gets no session either', async () => {
    const a = await identityOf(pair.a.proc);
    const relayed = new MitmRelay(pair.b.url);
    await relayed.start();
    const stripped = new MitmRelay(pair.b.url, (_path, { transcriptSignature: _removed, ...rest }) => rest);
    await stripped.start();
    try {
      // A client that did not check the server signature, to reach the real peer at all.
      const first = await peerRejection(new NodeChannelClient({ url: relayed.url }, a).connect());
      expect(first.code).toBe('ERR_INVALID_SIGNATURE');
      const second = await peerRejection(new NodeChannelClient({ url: stripped.url }, a).connect());
      expect(second.code).toBe('ERR_TRANSCRIPT_SIGNATURE_REQUIRED');
      const answers = JSON.stringify([...relayed.answers, ...stripped.answers]);
      expect(answers).not.toContain('sessionToken');
    } finally {
      await relayed.close();
      await stripped.close();
    }
  });

  it('an unsigned identify with A\'s certificate at B learns nothing usable: no session, no data, registry unchanged', async () => {
    const before = await registryRow(pair.b.url, pair.b.admin, requesterOnB);
    const a = await identityOf(pair.a.proc);
    const channel = await RawChannel.open(pair.b.url);
    const identified = await channel.post('/api/node/identify', { channelId: channel.channelId, nodeId: 'node-a', nodeName: 'Node A', certificate: a.certificateDer });
    expect(identified.status).toBe(400);
    expect(identified.body).toMatchObject({ errorDetail: { code: 'ERR_TRANSCRIPT_SIGNATURE_REQUIRED' } });
    expect(JSON.stringify(identified.body)).not.toMatch(/registrationId|Node A|isKnown/);
    const challenge = await channel.post('/api/node/challenge', { channelId: channel.channelId, nodeId: 'node-a' });
    expect(challenge.body).toMatchObject({ errorDetail: { code: 'ERR_NODE_NOT_IDENTIFIED' } });
    const impostor = impostorOf('node-a', a.certificateDer);
    const { timestamp, signature } = signedNow(impostor.sign, `${String(challenge.body.challengeData)}${channel.channelId}node-a`);
    const authenticated = await channel.post('/api/node/authenticate', { channelId: channel.channelId, nodeId: 'node-a', challengeData: challenge.body.challengeData, signature, timestamp });
    expect(authenticated.status).toBe(400);
    expect(JSON.stringify(authenticated.body)).not.toContain('sessionToken');
    const manifest = await channel.send('post', '/api/sync/manifest', { body: {} });
    expect(manifest.status).toBe(401);
    const registered = await channel.post('/api/node/register', { nodeId: 'node-a', nodeName: 'Evil', certificate: a.certificateDer, nodeUrl: 'http://attacker.invalid', requestedNodeAccessLevel: 2 });
    expect(registered.status).toBe(400);
    expect(registered.body).toMatchObject({ errorDetail: { code: 'ERR_TRANSCRIPT_SIGNATURE_REQUIRED' } });
    expect(await registryRow(pair.b.url, pair.b.admin, requesterOnB)).toEqual(before);
  });

  it('a session replayed on another channel is refused, and no session token reaches the logs', async () => {
    const a = await identityOf(pair.a.proc);
    const identity = await call(pair.b.url, 'GET', '/api/node/identity');
    const client = new NodeChannelClient({ url: pair.b.url, certificate: identity.body.certificate, requireTranscriptSignature: true }, a);
    await client.connect();
    const token = client.sessionToken!;
    const other = await RawChannel.open(pair.b.url);
    const whoami = await other.post('/api/session/whoami', {}, token);
    expect(whoami.status).toBe(401);
    const manifest = await other.send('post', '/api/sync/manifest', { body: {}, session: token });
    expect(manifest.status).toBe(401);
    await expect(client.invoke('POST', '/api/session/whoami', {})).resolves.toMatchObject({ channelId: client.channelId });
    for (const node of [pair.a, pair.b]) {
      if (node.proc instanceof NodeProcess) expect(readFileSync(node.proc.logFile, 'utf8')).not.toContain(token);
    }
    await client.close();
  });
});
