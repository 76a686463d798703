import { formatBytes, type BundleAck, type NodeConnection, type PrismClient } from '../../../../client/src/index.js';
import { $, el, fillTable, input, notify, when } from './dom.js';
import { describeError } from './messages.js';
import { summaryTable } from './sync-dialog.js';

/** Offers a Blob as a file download. */
function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: fileName, hidden: '' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function fail(selector: string, prefix: string, error: unknown): void {
  const failure = describeError(error);
  $(selector).replaceChildren(el('p', { class: 'error' }, `${prefix}: ${failure.text}`, failure.detail ? el('span', { class: 'code' }, failure.detail) : null));
}

/** The peers a bundle can be exported for, and where each one's next bundle starts. */
export async function renderBundles(client: PrismClient): Promise<void> {
  const [nodes, positions] = await Promise.all([client.nodes.list(), client.bundles.positions()]);
  const peer = input('#bundle-peer') as HTMLSelectElement;
  const chosen = peer.value;
  const eligible = nodes.filter((n: NodeConnection) => n.status === 1);
  peer.replaceChildren(...eligible.map((n) => el('option', { value: n.id }, n.nodeName)));
  if (eligible.some((n) => n.id === chosen)) peer.value = chosen;
  const names = new Map(nodes.map((n) => [n.id, n.nodeName]));
  fillTable(
    '#bundle-positions',
    positions.map((p) => el('tr', {}, el('td', {}, names.get(p.remoteNodeId) ?? p.remoteNodeId), el('td', {}, p.source === 'ack' ? 'acknowledgement file' : 'online pull'), el('td', {}, when(p.acknowledgedAt)))),
    'No peer has acknowledged a position yet: its first bundle holds everything.',
    3,
  );
}

/**
 * Offline bundles for sites without a network path: export one for a peer (a file download),
 * preview or import one (with the acknowledgement to carry back), accept a peer's acknowledgement.
 */
export function setUpBundles(client: PrismClient, refresh: () => void): void {
  $('#bundle-export-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#bundle-export-result').replaceChildren(el('p', {}, 'Writing the bundle…'));
    try {
      const exported = await client.bundles.export(input('#bundle-peer').value, { full: (input('#bundle-full') as HTMLInputElement).checked });
      const blob = await new Response(exported.body).blob();
      download(blob, exported.fileName ?? 'bundle.prism-bundle');
      $('#bundle-export-result').replaceChildren(el('p', { id: 'bundle-export-done' }, `Bundle ${exported.bundleId} (${formatBytes(blob.size)}) downloaded. Carry it to the peer and import it there.`));
      refresh();
    } catch (error) {
      fail('#bundle-export-result', 'Export failed', error);
    }
  });

  const importFile = async (preview: boolean) => {
    const file = (input('#bundle-file') as HTMLInputElement).files?.[0];
    if (!file) return void $('#bundle-import-result').replaceChildren(el('p', { class: 'error' }, 'Choose a bundle file first.'));
    $('#bundle-import-result').replaceChildren(el('p', {}, preview ? 'Verifying and previewing…' : 'Verifying and applying…'));
    try {
      const result = await client.bundles.import(file, { preview });
      const m = result.manifest;
      const ack = result.ack;
      $('#bundle-import-result').replaceChildren(
        el('p', { id: 'bundle-import-done' }, `${preview ? 'Preview of bundle' : 'Bundle'} ${result.bundleId} from ${m.exporter.nodeName}, made ${when(m.createdAt)}: signature and hashes verified${preview ? '; nothing was applied.' : '; applied.'}`),
        summaryTable(result.summary),
        ...(ack ? [el('button', { id: 'bundle-ack-download', type: 'button' }, 'Download the acknowledgement for the exporter')] : []),
      );
      if (ack) $('#bundle-ack-download').addEventListener('click', () => download(new Blob([JSON.stringify(ack)], { type: 'application/json' }), `ack-${result.bundleId}.json`));
    } catch (error) {
      fail('#bundle-import-result', preview ? 'Preview failed' : 'Import failed', error);
    }
  };
  $('#bundle-preview').addEventListener('click', () => void importFile(true));
  $('#bundle-import').addEventListener('click', () => void importFile(false));

  $('#bundle-ack-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = (input('#bundle-ack-file') as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const result = await client.bundles.acceptAcknowledgement(JSON.parse(await file.text()) as BundleAck);
      notify(result.moved ? 'Acknowledgement accepted: the peer’s next bundle starts after it.' : 'Acknowledgement accepted; the peer had already confirmed as much.');
      refresh();
    } catch (error) {
      fail('#bundle-ack-result', 'Acknowledgement refused', error);
    }
  });
}
