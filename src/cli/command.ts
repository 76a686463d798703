import { parseArgs, ParseArgsConfig } from 'node:util';

/** One `prism-node` command. `run` returns the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Whether the command needs a running node (talks HTTP) or works from configuration alone. */
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Exit codes shared by all commands (README, "Operating"): 0 ok, 1 failed, 2 usage or configuration,
 * 3 node or database unreachable, 4 conflict (already exists, sync already running), 130 cancelled
 * with Ctrl-C (the shells' code for SIGINT, which `npx` reports too).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3, conflict: 4, cancelled: 130 } as const;

export class UsageError extends Error {}

export function parse(command: CliCommand, argv: string[]): ParsedArgs {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, ...(command.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
