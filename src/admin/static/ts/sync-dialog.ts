import { filesText, formatBytes, formatDuration, progressText, resumedText, summaryCounts, type NodeConnection, type PrismClient, type SummaryCounts, type SyncProgress, type SyncSummary } from '../../../../client/src/index.js';
import { $, el } from './dom.js';
import { describeError, describeFailure, errorText, syncStatusLabel } from './messages.js';

const dialog = () => $('#sync-dialog') as HTMLDialogElement;
const show = (selector: string, visible: boolean) => ($(selector).hidden = !visible);

/** Received (deletions included, as the progress counts them), inserted, updated, deleted and conflicts per aggregate, and the total. */
export function summaryTable(summary: SyncSummary): HTMLElement {
  const { byAggregate, total } = summaryCounts(summary);
  const row = (name: string, c: SummaryCounts) =>
    el('tr', {}, el('td', {}, name), ...[c.received, c.inserted, c.updated, c.deleted, c.conflicts].map((n) => el('td', { class: 'num' }, n)));
  return el(
    'table',
    { class: 'summary' },
    el('thead', {}, el('tr', {}, ...['Aggregate', 'Received', 'Inserted', 'Updated', 'Deleted', 'Conflicts'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...[...byAggregate].map(([name, c]) => row(name, c)), row('Total', total)),
  );
}

function showProgress(p: SyncProgress): void {
  const bar = $('#progress-bar');
  bar.style.width = `${p.percent}%`;
  bar.setAttribute('aria-valuenow', String(p.percent));
  $('#progress-label').textContent = p.resumed ? `${progressText(p)} — ${resumedText(p.resumed)}` : progressText(p);
}

function success(summary: SyncSummary | null): HTMLElement {
  if (!summary) return el('p', {}, 'The pull completed.');
  return el('div', {}, el('p', {}, `${summaryCounts(summary).total.received} rows in ${formatDuration(summary.durationMs)}; ${filesText(summary.files, 'pull')}.`), summaryTable(summary));
}

function failed(error: { code: string; message: string } | null): HTMLElement {
  const failure = describeFailure(error?.code, error?.message);
  return el('p', {}, `${failure.text} Nothing of this sync was applied.`, failure.detail ? el('span', { class: 'code' }, failure.detail) : null);
}

/**
 * Sync flow for one peer: preview in a confirmation dialog (counts, size) → confirm → live
 * progress (SSE over fetch) → success or failure summary. Cancel stops the job on the node.
 */
export async function openSyncDialog(client: PrismClient, peer: NodeConnection, onDone: () => void): Promise<void> {
  const abort = new AbortController();
  let running = false;
  $('#sync-title').textContent = `Sync from ${peer.nodeName}`;
  $('#sync-preview').replaceChildren(el('p', {}, 'Preparing the preview (fetching the rows and applying them in a rolled-back transaction; no file is downloaded)…'));
  $('#sync-result').replaceChildren();
  $('#sync-result').className = '';
  show('#sync-progress', false);
  show('#sync-preview', true);
  show('#confirm-sync', false);
  show('#close-sync', false);
  show('#cancel-sync', true);
  const confirm = $('#confirm-sync') as HTMLButtonElement;
  const cancel = $('#cancel-sync') as HTMLButtonElement;
  const close = $('#close-sync') as HTMLButtonElement;
  cancel.onclick = () => (running ? abort.abort() : dialog().close());
  close.onclick = () => dialog().close();
  dialog().onclose = () => onDone();
  dialog().showModal();

  try {
    const preview = await client.sync.preview(peer.id);
    const m = preview.manifest;
    const rows = Object.values(m.aggregates ?? {}).reduce((n, s) => n + (s?.rows ?? 0) + (s?.tombstones ?? 0), 0);
    const bytes = Object.values(m.aggregates ?? {}).reduce((n, s) => n + (s?.bytes ?? 0), 0) + (m.files?.totalBytes ?? 0);
    $('#sync-preview').replaceChildren(
      el('p', { id: 'preview-text' }, `${rows} changed rows and ${m.files?.count ?? 0} recording file(s) (${formatBytes(bytes)} in total) since ${preview.autoResolvedSince ? new Date(preview.autoResolvedSince).toLocaleString() : 'the beginning'}.`),
      el('p', { id: 'preview-files' }, `Files: ${filesText(preview.preview.files, 'preview')}.`),
      summaryTable(preview.preview),
    );
    show('#confirm-sync', true);
  } catch (error) {
    const failure = describeError(error);
    $('#sync-preview').replaceChildren(el('p', { class: 'error' }, `Preview failed: ${failure.text}`, failure.detail ? el('span', { class: 'code' }, failure.detail) : null));
    cancel.textContent = 'Close';
    return;
  }

  confirm.onclick = async () => {
    running = true;
    show('#confirm-sync', false);
    show('#sync-preview', false);
    show('#sync-progress', true);
    cancel.textContent = 'Cancel sync';
    try {
      const outcome = await client.sync.pull(peer.id, { onProgress: showProgress, signal: abort.signal });
      const ok = outcome.progress.state === 'completed';
      $('#sync-result').className = ok ? 'completed' : 'failed';
      $('#sync-result').replaceChildren(el('h3', {}, ok ? 'Sync completed' : `Sync ${syncStatusLabel(outcome.progress.state)}`), ok ? success(outcome.summary) : failed(outcome.progress.error));
    } catch (error) {
      $('#sync-result').className = 'failed';
      $('#sync-result').replaceChildren(el('h3', {}, 'Sync failed'), el('p', {}, errorText(error)));
    } finally {
      running = false;
      show('#cancel-sync', false);
      show('#close-sync', true);
    }
  };
}
