import 'reflect-metadata';
import { CliCommand, EXIT, parse, UsageError } from './command';
import { COMMANDS } from './commands';

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
      console.log(`Usage: prism-node ${command.usage}\n\n${command.summary}`);
      return EXIT.ok;
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nUsage: prism-node ${command.usage}`);
      return EXIT.usage;
    }
    throw error;
  }
}
