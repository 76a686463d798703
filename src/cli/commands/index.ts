import { CliCommand } from '../command';

/** Every command of `prism-node`; each lives in its own file in this folder. */
export const COMMANDS: CliCommand[] = [];
