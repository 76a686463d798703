import 'reflect-metadata';
import { Logger, LoggerService } from '@nestjs/common';
import { CliCommand, EXIT, parse, UsageError } from './command';
import { COMMANDS } from './commands';
import { reportFailure } from './failure';

const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 failed, 2 usage or configuration, 3 node or database unreachable, 4 conflict, 130 cancelled (Ctrl-C).';

function help(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'Usage: prism-node <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `prism-node <command> --help` for the options of a command.',
    'Node settings come from the environment and .env (see .env.example).',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

export async function runCli(argv: string[], commands: CliCommand[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help(commands));
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`unknown command "${name}"\n\n${help(commands)}`);
    return EXIT.usage;
  }
  try {
    const args = parse(command, rest);
    if (args.values.help) {
      console.log(`Usage: prism-node ${command.usage}\n\n${command.summary}\n\n${EXIT_CODES_HELP}`);
      return EXIT.ok;
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nUsage: prism-node ${command.usage}`);
      return EXIT.usage;
    }
    return reportFailure(error, rest.includes('--json'));
  }
}

/**
 * The node modules' log lines (e.g. the embedded PostgreSQL starting) as plain text on stderr:
 * stdout carries only the command's answer, so `--json` output stays parseable.
 */
class CliLogger implements LoggerService {
  private write(message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? `${String(params.at(-1))}: ` : '';
    process.stderr.write(`${context}${message instanceof Error ? message.message : String(message)}\n`);
  }
  log(message: unknown, ...params: unknown[]) {
    this.write(message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write(message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write(message, params);
  }
  debug() {}
  verbose() {}
}

/** `prism-node` as a process (bin/prism-node.js): plain log lines on stderr, then the command. */
export function runCliProcess(argv: string[]): Promise<number> {
  Logger.overrideLogger(new CliLogger());
  return runCli(argv);
}
