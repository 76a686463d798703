import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeAccessLevel, type PullOutcome, type SyncSummary } from '../../client/src/index.js';
import { formatBytes, formatDuration, formatManifest, formatSummary, ProgressBar } from '../cli/commands/support/format';
import { buildDemoDataset, changeSomeRows } from './demo-dataset';
import { DemoNode } from './demo-node';

const step = (text: string) => console.log(`\n=== ${text}`);

/**
 * The operators' introduction, over HTTP: A's Admin connects A to B (A registers at B with the
 * handshake and records B as a peer), then B's Admin approves A with ReadWrite.
 */
async function introduce(a: DemoNode, b: DemoNode): Promise<string> {
  const connected = await a.client.nodes.connect({ nodeUrl: b.url, requestedNodeAccessLevel: NodeAccessLevel.ReadWrite, contactInfo: 'demo@prism.example.org' });
  console.log(`A registered at "${connected.peer.nodeName}" and recorded it as peer ${connected.connectionId}`);
  const approved = await b.client.nodes.approve(String(connected.registration.registrationId), NodeAccessLevel.ReadWrite);
  console.log(`B approved "${approved.nodeName}" with ReadWrite`);
  return connected.connectionId;
}

async function pullWithProgress(a: DemoNode, peerId: string): Promise<SyncSummary> {
  const bar = new ProgressBar(process.stdout);
  const outcome: PullOutcome = await a.client.sync.pull(peerId, { onProgress: (p) => bar.update(p) });
  bar.end();
  if (outcome.progress.state !== 'completed' || !outcome.summary) {
    throw new Error(`pull ${outcome.jobId} ended ${outcome.progress.state}: ${outcome.progress.error?.message ?? 'no summary'}`);
  }
  return outcome.summary;
}

/** The whole demo; returns when both nodes are stopped. Throws with the reason on any failure. */
export async function runDemo(options: { root?: string; keep?: boolean } = {}): Promise<void> {
  const root = resolve(options.root ?? join('data'));
  const started = Date.now();
  const dirs = { a: join(root, 'demo-a'), b: join(root, 'demo-b') };
  for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  const a = await DemoNode.create({ nodeId: 'demo-node-a', nodeName: 'Demo node A (requester)', dataDir: dirs.a });
  const b = await DemoNode.create({ nodeId: 'demo-node-b', nodeName: 'Demo node B (source)', dataDir: dirs.b });
  try {
    step('1. Setting up two nodes (embedded PostgreSQL, identity, Admin user)');
    await Promise.all([a.prepare(), b.prepare()]);
    await Promise.all([a.start(), b.start()]);
    console.log(`A: ${a.url}  data ${dirs.a}  log ${a.logFile}`);
    console.log(`B: ${b.url}  data ${dirs.b}  log ${b.logFile}`);

    step('2. Introducing A to B (A registers at B and records it → B approves ReadWrite)');
    const peerId = await introduce(a, b);

    step('3. Filling B with a demo research dataset over its API');
    const dataset = await buildDemoDataset(b.client);
    console.log(`${dataset.requests} API calls: ${dataset.volunteers.length} volunteers, ${dataset.sessions.length} sessions, ${dataset.files.count} recording files (${formatBytes(dataset.files.bytes)})`);

    step('4. A previews the pull from B (manifest, and the exact outcome applied in a rolled-back transaction)');
    const preview = await a.client.sync.preview(peerId);
    console.log(formatManifest(preview.manifest));
    console.log(`a pull would insert ${preview.preview.totals.inserted} rows and download ${preview.preview.files.referenced} files`);

    step('5. A pulls from B');
    console.log(formatSummary(await pullWithProgress(a, peerId), 'First pull'));

    step('6. Changing a few rows on B');
    for (const change of await changeSomeRows(b.client, dataset)) console.log(`  - ${change}`);

    step('7. A pulls again: only the changes move');
    const second = await pullWithProgress(a, peerId);
    console.log(formatSummary(second, 'Incremental pull'));

    step('8. Verifying both nodes hold the same data');
    const [va, vb] = await Promise.all([a.client.sync.verify(), b.client.sync.verify()]);
    if (va.digest !== vb.digest) throw new Error(`digests differ after the pulls: A ${va.digest}, B ${vb.digest}`);
    console.log(`A and B digests are equal (${va.digest.slice(0, 16)}…), ${va.files.referenced} files present`);
    const history = await a.client.sync.history({ remoteNodeId: peerId });
    console.log(`history on A: ${history.data.map((e) => `${e.kind} ${e.status}`).join(', ')}`);
  } catch (error) {
    console.error(`\nnode A log (last lines):\n${a.logTail(10)}\n\nnode B log (last lines):\n${b.logTail(10)}`);
    throw error;
  } finally {
    step('Stopping both nodes');
    const codes = await Promise.all([a.stop(), b.stop()]);
    console.log(`nodes stopped (exit codes ${codes.join(', ')}); data kept in ${root}/demo-a and demo-b`);
  }
  console.log(`\nDemo completed in ${formatDuration(Date.now() - started)}.`);
}
