import { DataSource } from 'typeorm';
import { AppConfig, loadConfig, loadEnvFile } from '../../config';
import { UserRole } from '../../core/auth/access';
import { typeOrmOptions } from '../../database/typeorm-options';
import { openDatabase } from '../../node';
import { passwordProblem } from '../../users/password-policy';
import { insertUser } from '../../users/users.store';
import { CliCommand, EXIT, ParsedArgs, UsageError } from '../command';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function passwordFrom(args: ParsedArgs): Promise<string> {
  const { password, 'password-stdin': fromStdin } = args.values;
  if (typeof password === 'string' && fromStdin) throw new UsageError('give either --password or --password-stdin, not both');
  const value = typeof password === 'string' ? password : fromStdin ? await readStdin() : undefined;
  if (value === undefined) throw new UsageError('--password or --password-stdin is required');
  return value;
}

function roleFrom(args: ParsedArgs): UserRole {
  const role = (args.values.role as string | undefined) ?? UserRole.Researcher;
  const match = Object.values(UserRole).find((r) => r.toLowerCase() === role.toLowerCase());
  if (!match) throw new UsageError(`--role must be one of ${Object.values(UserRole).join(', ')}`);
  return match;
}

/**
 * Creates a user straight in the node's database: opens it the way the node does (embedded when
 * DATABASE_URL is unset; a running node's embedded server is used as it is), applies pending
 * migrations, inserts, closes.
 */
export async function createUserInDatabase(
  config: AppConfig,
  input: { login: string; password: string; role: UserRole },
): Promise<{ id: string }> {
  const database = await openDatabase(config, { attachToRunning: true });
  const dataSource = new DataSource(typeOrmOptions(config, database.url));
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const user = await insertUser(dataSource.manager, input, config.auth.passwordHashCost);
    return { id: user.id };
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.close();
  }
}

export const userCreateCommand: CliCommand = {
  name: 'user:create',
  summary: 'create a user in the node database (works with or without a running node)',
  usage: 'user:create --login <login> (--password <pw> | --password-stdin) [--role Admin|Researcher] [--json]',
  options: {
    login: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    role: { type: 'string' },
  },
  async run(args) {
    const login = args.values.login;
    if (typeof login !== 'string' || login.trim() === '') throw new UsageError('--login is required');
    const role = roleFrom(args);
    const password = await passwordFrom(args);
    const weak = passwordProblem(password, login.trim());
    if (weak) throw new UsageError(weak);
    loadEnvFile();
    const config = loadConfig();
    const { id } = await createUserInDatabase(config, { login: login.trim(), password, role });
    console.log(args.values.json ? JSON.stringify({ id, login: login.trim(), role }) : `created ${role} "${login.trim()}" (${id})`);
    return EXIT.ok;
  },
};
