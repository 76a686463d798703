import { rmSync } from 'node:fs';
import request from 'supertest';
import { NodeAccessLevel } from '../../../src/core/auth/access';
import { PeerConnector } from '../../../src/sync/pull/peer.port';
import { startTestNode, TestNode } from '../../support/test-node';
import { selfSignedTlsCertificate, TlsCertificateFiles } from '../../support/tls-certificate';
import { bearer, loginAsAdmin } from '../../support/users';

jest.setTimeout(120_000);

/**
 * Node B serves HTTPS with a self-signed certificate. Node A trusts it through PEER_CA_FILE and
 * pulls from it; node C (system CAs only) is refused at the TLS handshake.
 */
describe('HTTPS: a node serves TLS itself and pulls from https:// peers it trusts', () => {
  let tls: TlsCertificateFiles;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  let adminA: string;
  let adminB: string;
  let adminC: string;

  beforeAll(async () => {
    tls = selfSignedTlsCertificate();
    b = await startTestNode({ NODE_ID: 'tls-b', NODE_NAME: 'TLS B', TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile });
    a = await startTestNode({ NODE_ID: 'tls-a', NODE_NAME: 'TLS A', PEER_CA_FILE: tls.certFile });
    c = await startTestNode({ NODE_ID: 'tls-c', NODE_NAME: 'TLS C' });
    [adminA, adminB, adminC] = await Promise.all([loginAsAdmin(a), loginAsAdmin(b), loginAsAdmin(c)]);
  });

  afterAll(async () => {
    await Promise.all([a, b, c].filter(Boolean).map((node) => node.close()));
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('B answers over HTTPS only, with HSTS', async () => {
    expect(b.url).toMatch(/^https:\/\//);
    const res = await request(b.url).get('/health').ca(tls.certPem);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    await expect(fetch(b.url.replace('https:', 'http:') + '/health')).rejects.toThrow();
  });

  it('A (PEER_CA_FILE = B certificate) connects, is approved and pulls over HTTPS', async () => {
    const connected = await request(a.url).post('/api/node/connect').set(bearer(adminA)).send({ nodeUrl: b.url, requestedNodeAccessLevel: NodeAccessLevel.ReadWrite });
    expect({ status: connected.status, body: connected.status === 201 ? 'ok' : connected.body }).toEqual({ status: 201, body: 'ok' });
    const approved = await request(b.url)
      .post(`/api/node/${connected.body.registration.registrationId}/approve`)
      .ca(tls.certPem)
      .set(bearer(adminB))
      .send({ nodeAccessLevel: NodeAccessLevel.ReadWrite });
    expect(approved.status).toBe(200);
    const pulled = await request(a.url).post('/api/sync/pull').set(bearer(adminA)).send({ remoteNodeId: connected.body.connectionId });
    expect({ status: pulled.status, state: pulled.body.status }).toEqual({ status: 200, state: 'completed' });
    // File streams are read by the node's own client (StreamedGet), over TLS with the same trust.
    const connection = await a.app.get(PeerConnector).connect({ registryId: connected.body.connectionId, url: b.url, name: 'B', certificate: '' });
    expect(connection.streamInPlace).toBeDefined();
    await expect(connection.streamInPlace!('/api/sync/recordings/00000000-0000-4000-8000-000000000000/stream')).rejects.toMatchObject({ status: 404 });
  });

  it('C (system CAs only) refuses B: the self-signed certificate is not trusted', async () => {
    const res = await request(c.url).post('/api/node/connect').set(bearer(adminC)).send({ nodeUrl: b.url, requestedNodeAccessLevel: NodeAccessLevel.ReadOnly });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'ERR_PEER_UNREACHABLE' });
    expect(JSON.stringify(res.body)).toMatch(/self[- ]signed|certificate/i);
  });
});
