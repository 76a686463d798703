import { PrismClient } from '../../../../client/src/index.js';
import { loadConfig, loadEnvFile } from '../../../config';
import { EnvReader } from '../../../config/env-reader';
import { CliCommand, ParsedArgs, UsageError } from '../../command';
import { reportFailure } from '../../failure';

/** Options every command that talks to a running node accepts. */
export const REMOTE_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  login: { type: 'string' },
  password: { type: 'string' },
} as const satisfies CliCommand['options'];

export const REMOTE_USAGE = '[--url <node url>] [--token <jwt> | --login <user> --password <pw>] [--json]';

export const REMOTE_HELP = [
  'Connection: --url (env PRISM_URL, default http://127.0.0.1:<PORT of the local .env>),',
  '  --token (env PRISM_TOKEN) or --login/--password (env PRISM_LOGIN/PRISM_PASSWORD).',
].join('\n');

/**
 * The operator's client settings: flags first, then PRISM_* variables. These describe the CLI as a
 * client of a node (not the node's own configuration, which src/config reads).
 */
export function clientSettings(args: ParsedArgs, env: Record<string, string | undefined> = process.env) {
  const reader = new EnvReader(env);
  const flag = (name: string) => (typeof args.values[name] === 'string' ? (args.values[name] as string) : undefined);
  return {
    url: flag('url') ?? reader.optional('PRISM_URL', 'base URL of the node the CLI talks to') ?? localNodeUrl(),
    token: flag('token') ?? reader.optional('PRISM_TOKEN', 'user JWT for the CLI'),
    login: flag('login') ?? reader.optional('PRISM_LOGIN', 'user login for the CLI'),
    password: flag('password') ?? reader.optional('PRISM_PASSWORD', 'user password for the CLI'),
  };
}

/** The node configured in this directory (.env / environment), as seen from this machine. */
function localNodeUrl(): string {
  try {
    loadEnvFile();
    return `http://127.0.0.1:${loadConfig().server.port}`;
  } catch {
    return 'http://127.0.0.1:3000';
  }
}

/** A logged-in client for the node named by the options. */
export async function connect(args: ParsedArgs): Promise<PrismClient> {
  const settings = clientSettings(args);
  if (!/^https?:\/\/\S+$/.test(settings.url)) throw new UsageError(`--url must be an http(s) URL, got "${settings.url}"`);
  const client = new PrismClient({ baseUrl: settings.url, token: settings.token });
  if (!settings.token) {
    if (!settings.login || !settings.password) throw new UsageError('log in with --token, or --login and --password (or PRISM_TOKEN / PRISM_LOGIN + PRISM_PASSWORD)');
    await client.login(settings.login, settings.password);
  }
  return client;
}

/** Runs the body of a remote command with a connected client; failures become exit codes. */
export function remoteCommand(
  spec: Omit<CliCommand, 'run' | 'options'> & { options?: CliCommand['options']; run(client: PrismClient, args: ParsedArgs, json: boolean): Promise<number> },
): CliCommand {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: `${spec.usage} ${REMOTE_USAGE}\n\n${REMOTE_HELP}`,
    options: { ...REMOTE_OPTIONS, ...(spec.options ?? {}) },
    async run(args) {
      const json = args.values.json === true;
      try {
        return await spec.run(await connect(args), args, json);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        return reportFailure(error, json);
      }
    },
  };
}

/** A required positional argument or option value. */
export function required(args: ParsedArgs, name: string, position?: number): string {
  const value = args.values[name] ?? (position === undefined ? undefined : args.positionals[position]);
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${name} is required`);
  return value.trim();
}

/** The `--page` and `--page-size` options of a listing command. */
export const PAGE_OPTIONS = { page: { type: 'string' }, 'page-size': { type: 'string' } } as const;
export const PAGE_USAGE = '[--page <n>] [--page-size <n>]';

/** `--page` and `--page-size` as positive integers (absent: the node's defaults). */
export function pageArgs(args: ParsedArgs): { page?: number; pageSize?: number } {
  const positive = (name: string): number | undefined => {
    const value = args.values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[1-9]\d{0,8}$/.test(value.trim())) throw new UsageError(`--${name} must be a positive integer`);
    return Number(value);
  };
  return { page: positive('page'), pageSize: positive('page-size') };
}

export function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}
