import { PrismApiError, PrismUnreachableError } from '../../client/src/index.js';
import { ConfigError, redact } from '../config';
import { AppError } from '../core/errors/app-error';
import { EXIT, UsageError } from './command';

/** A failed command, explained: what went wrong, what to do about it, and the exit code. */
export interface Explained {
  code: string;
  message: string;
  hint?: string;
  status?: number;
  exit: number;
}

const NETWORK_CODES = /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ECONNRESET)\b/;

function apiHint(error: PrismApiError): string | undefined {
  switch (error.status) {
    case 400:
      // `sync:pull node-b`: the peer's protocol id or name where its connection id belongs.
      return /\bremoteNodeId\b/.test(error.message) ? 'give the peer by its id: the id column of `prism-node peer:list` (a UUID)' : undefined;
    case 401:
      return error.code === 'ERR_INVALID_CREDENTIALS'
        ? 'check --login and --password (or PRISM_LOGIN / PRISM_PASSWORD); `prism-node user:create` makes a user'
        : 'log in again: give --login and --password, or a fresh --token';
    case 403:
      return error.code === 'ERR_FORBIDDEN_ROLE' ? 'this needs a user with another role (registry administration needs an Admin)' : 'the peer or this node does not grant what this needs; see the message';
    case 404:
      return 'check the id: `prism-node peer:list` shows the peers and `prism-node sync:log` the syncs';
    case 409:
      if (error.code === 'ERR_BEHIND_HORIZON') return 'run a full resync: prism-node sync:pull <peer id> --full-resync';
      if (error.code === 'ERR_BUNDLE_ALREADY_APPLIED' || error.code === 'ERR_BUNDLE_STALE') return 'nothing to do: this node already has everything in that bundle';
      if (error.code === 'ERR_BUNDLE_GAP') return "give the exporter this node's acknowledgement (bundle:ack here, bundle:accept-ack there), then export again";
      if (error.code === 'ERR_CLOCK_SKEW') return "set the wrong node's clock right (NTP; the message names both clocks), then pull again";
      return error.code === 'ERR_SYNC_IN_PROGRESS' ? 'another sync is running on this node: wait for it to end (`prism-node sync:log`), then try again' : undefined;
    case 429:
      return 'the node is rate-limiting this client: wait a minute and try again';
    default:
      // The node worked; the peer it called did not answer (502 with a peer's network code).
      if (error.code === 'ERR_PEER_UNREACHABLE' || error.code === 'ERR_PEER_TIMEOUT') {
        return "check that the peer runs and that this node reaches it at that URL (from the node's machine; for https://, a private CA goes in PEER_CA_FILE)";
      }
      return error.status >= 500 ? "the node failed: its log has the details (search for this request's X-Request-Id)" : undefined;
  }
}

/** Every failure a command can meet, as one explanation (never a stack trace, never `undefined`). */
export function explain(error: unknown): Explained {
  if (error instanceof UsageError) return { code: 'ERR_USAGE', message: error.message, hint: 'see `prism-node <command> --help`', exit: EXIT.usage };
  if (error instanceof ConfigError) {
    return { code: 'ERR_CONFIG', message: error.message, hint: 'fix the settings named above in the environment or .env (.env.example documents each)', exit: EXIT.usage };
  }
  if (error instanceof PrismUnreachableError) {
    return {
      code: 'ERR_UNREACHABLE',
      message: error.message,
      hint: 'is the node running? Start it with `npm start` in its directory, or point --url (PRISM_URL) at it',
      exit: EXIT.unreachable,
    };
  }
  if (error instanceof PrismApiError) {
    return { code: error.code, message: error.message, hint: apiHint(error), status: error.status, exit: error.status === 409 ? EXIT.conflict : EXIT.failure };
  }
  if (error instanceof AppError) {
    const hint = error.code === 'ERR_LOGIN_TAKEN' ? 'choose another --login' : undefined;
    return { code: error.code, message: error.message, hint, status: error.status, exit: error.status === 409 ? EXIT.conflict : EXIT.failure };
  }
  const message = error instanceof Error ? error.message : error === undefined ? 'failed without a reason' : String(error);
  if (NETWORK_CODES.test(message)) {
    return {
      code: 'ERR_DATABASE_UNREACHABLE',
      message: redact(message),
      hint: 'the database cannot be reached: check DATABASE_URL, or unset it to use the embedded PostgreSQL in DATA_DIR',
      exit: EXIT.unreachable,
    };
  }
  return { code: 'ERR_CLI', message: redact(message), exit: EXIT.failure };
}

/** Prints the explanation on stderr (one JSON object with --json) and returns the exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  const failure = explain(error);
  if (json) console.error(JSON.stringify({ error: failure.code, message: failure.message, hint: failure.hint, status: failure.status }));
  else console.error([`error: ${failure.message}${failure.code.startsWith('ERR_') && !['ERR_CLI', 'ERR_USAGE', 'ERR_CONFIG'].includes(failure.code) ? ` (${failure.code})` : ''}`, failure.hint ? `  what to do: ${failure.hint}` : ''].filter(Boolean).join('\n'));
  return failure.exit;
}
