import { CliCommand } from '../command';
import { userCreateCommand } from './user-create';
import { identityGenerateCommand } from './identity-generate';
import { OPERATOR_COMMANDS } from './operator-commands';

/** Every command of `prism-node`; each lives in its own file in this folder. */
export const COMMANDS: CliCommand[] = [userCreateCommand, identityGenerateCommand, ...OPERATOR_COMMANDS];
