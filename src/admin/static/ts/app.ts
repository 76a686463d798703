import { PrismApiError, PrismClient } from '../../../../client/src/index.js';
import { renderBundles, setUpBundles } from './bundles.js';
import { renderConflicts, setUpConflicts } from './conflicts.js';
import { $, notify } from './dom.js';
import { renderHistory, setUpHistory } from './history.js';
import { errorText } from './messages.js';
import { renderPeers, setUpConnectForm, type PeerActions } from './peers.js';
import { openSyncDialog } from './sync-dialog.js';

const TOKEN_KEY = 'prism.console.token';
const client = new PrismClient({ baseUrl: '', token: sessionStorage.getItem(TOKEN_KEY) ?? undefined });
let currentTab = 'connections';

function showLogin(message = ''): void {
  sessionStorage.removeItem(TOKEN_KEY);
  client.http.token = undefined;
  $('#login-view').hidden = false;
  $('#main-view').hidden = true;
  $('#logout').hidden = true;
  $('#whoami').textContent = '';
  $('#login-error').textContent = message;
}

function showError(error: unknown): void {
  if (error instanceof PrismApiError && error.status === 401) return showLogin('Your session expired; please log in again.');
  $('#main-error').textContent = errorText(error);
}

const peerActions: PeerActions = {
  sync: (peer) => void openSyncDialog(client, peer, () => void refresh()),
  refresh: () => void refresh(),
};

async function refresh(): Promise<void> {
  $('#main-error').textContent = '';
  try {
    if (currentTab === 'connections') await renderPeers(client, peerActions);
    else if (currentTab === 'history') await renderHistory(client);
    else if (currentTab === 'bundles') await renderBundles(client);
    else await renderConflicts(client);
  } catch (error) {
    showError(error);
  }
}

async function showMain(): Promise<void> {
  try {
    const me = await client.me();
    $('#whoami').textContent = `${me.login} (${me.role})`;
  } catch (error) {
    return showLogin(error instanceof PrismApiError && error.status === 401 ? '' : errorText(error));
  }
  $('#login-view').hidden = true;
  $('#main-view').hidden = false;
  $('#logout').hidden = false;
  await refresh();
}

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('#login-error').textContent = '';
  try {
    const token = await client.login(($('#login') as HTMLInputElement).value, ($('#password') as HTMLInputElement).value);
    sessionStorage.setItem(TOKEN_KEY, token);
    await showMain();
  } catch (error) {
    $('#login-error').textContent = error instanceof PrismApiError && error.status === 401 ? 'Wrong login or password.' : errorText(error);
  }
});

$('#logout').addEventListener('click', () => showLogin());
$('#refresh').addEventListener('click', () => {
  notify('');
  void refresh();
});
for (const tab of document.querySelectorAll<HTMLButtonElement>('nav .tab')) {
  tab.addEventListener('click', () => {
    currentTab = tab.dataset.tab ?? 'connections';
    notify('');
    for (const other of document.querySelectorAll<HTMLElement>('nav .tab')) other.classList.toggle('active', other === tab);
    for (const panel of document.querySelectorAll<HTMLElement>('.tab-panel')) panel.hidden = panel.id !== `tab-${currentTab}`;
    void refresh();
  });
}
setUpConnectForm(client, peerActions);
setUpHistory(client, showError);
setUpConflicts(client, showError);
setUpBundles(client, () => void refresh());

if (client.token) void showMain();
else showLogin();
