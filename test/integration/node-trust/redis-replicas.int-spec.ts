import { freePort } from '../../../src/core/free-port';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { AuthorizationStatus, NodeAccessLevelName } from '../../../src/nodes/entities/research-node.entity';
import { NodeRegistryService } from '../../../src/nodes/node-registry.service';
import { formatO } from '../../../src/node-trust/crypto/timestamp';
import { ProbeNode, SharedStorage, sharedStorage, startProbeNode } from './probe-node';
import { RawChannel } from './raw-channel';
import { makeClientIdentity } from './trust-helpers';

/** Redis for this suite: TEST_REDIS_URL / REDIS_URL, a server on 127.0.0.1:6379, or a redis-server we start. */
function findRedis(): { url?: string; spawnBinary?: boolean } {
  const configured = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
  if (configured) return { url: configured };
  try {
    if (execSync('redis-cli -h 127.0.0.1 -p 6379 ping', { timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'PONG') {
      return { url: 'redis://127.0.0.1:6379' };
    }
  } catch {
    // no server there
  }
  try {
    execSync('command -v redis-server', { stdio: 'ignore' });
    return { spawnBinary: true };
  } catch {
    return {};
  }
}

const found = findRedis();
const available = !!found.url || !!found.spawnBinary;
if (!available) console.warn('[node-trust] SKIPPED redis-replicas suite: no Redis (set TEST_REDIS_URL or install redis-server)');

(available ? describe : describe.skip)('two replicas of one node on one database and one Redis', () => {
  let redisUrl: string;
  let redisProcess: ChildProcess | undefined;
  const prefix = `prism-test-${process.pid}-${randomBytes(4).toString('hex')}:`;
  let storage: SharedStorage;
  let one: ProbeNode;
  let two: ProbeNode;

  beforeAll(async () => {
    if (found.url) {
      redisUrl = found.url;
    } else {
      const port = await freePort();
      redisProcess = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      redisUrl = `redis://127.0.0.1:${port}`;
      const probe = new Redis(redisUrl, { retryStrategy: (n) => (n > 50 ? null : 100) });
      await probe.ping();
      probe.disconnect();
    }
    storage = await sharedStorage('replicas');
    const env = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, THROTTLE_STANDARD_PER_MINUTE: '30', NODE_ID: 'replicated' };
    one = await startProbeNode(storage, env);
    two = await startProbeNode(storage, env);
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await storage?.drop();
    if (redisUrl && !redisProcess) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    redisProcess?.kill();
  });

  it('handshakes on instance 1, serves the session on instance 2 and counts the rate limit across both', async () => {
    const peer = makeClientIdentity('replica-peer');
    const ch = await RawChannel.open(one.url);
    const registration = await ch.post('/api/node/register', { nodeId: peer.nodeId, nodeName: peer.nodeId, certificate: peer.certificateDer });
    await one.app.get(NodeRegistryService).update(String(registration.body.registrationId), {
      status: AuthorizationStatus.Authorized,
      nodeAccessLevel: NodeAccessLevelName.ReadWrite,
    });
    // phase 2 on instance 1, phase 3a on instance 2, phase 3b on instance 1
    const ts = formatO();
    const identified = await ch.post('/api/node/identify', {
      nodeId: peer.nodeId,
      certificate: peer.certificateDer,
      timestamp: ts,
      signature: peer.sign(`${ch.channelId}${peer.nodeId}${ts}`),
    });
    expect(identified.body).toMatchObject({ isKnown: true, status: 1 });
    const challenge = await ch.at(two.url).post('/api/node/challenge', { nodeId: peer.nodeId });
    expect(challenge.status).toBe(200);
    const at = formatO();
    const data = String(challenge.body.challengeData);
    const auth = await ch.post('/api/node/authenticate', {
      nodeId: peer.nodeId,
      challengeData: data,
      timestamp: at,
      signature: peer.sign(`${data}${ch.channelId}${peer.nodeId}${at}`),
    });
    expect(auth.status).toBe(200);
    const token = String(auth.body.sessionToken);

    const whoami = await ch.at(two.url).post('/api/session/whoami', {}, token);
    expect(whoami.status).toBe(200);
    expect(whoami.body).toMatchObject({ capabilities: NodeAccessLevel.ReadWrite, channelId: ch.channelId });

    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await ch.at(i % 2 ? one.url : two.url).post('/api/test-probe/write', { i }, token)).status);
    // whoami above was request 1 of the session's budget of 30
    expect(statuses.slice(0, 29).every((s) => s === 200)).toBe(true);
    expect(statuses[29]).toBe(429);
    const revoked = await ch.at(one.url).post('/api/session/revoke', {}, token);
    expect(revoked.status).toBe(429);
  });

  it('keeps the state in Redis under the configured prefix', async () => {
    const redis = new Redis(redisUrl);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.some((k) => k.startsWith(`${prefix}channel:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}session:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}throttle:standard:`))).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
