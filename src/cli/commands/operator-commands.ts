import { CliCommand } from '../command';
import { bundleAcceptAckCommand, bundleAckCommand } from './bundle-ack';
import { bundleExportCommand } from './bundle-export';
import { bundleImportCommand } from './bundle-import';
import { conflictsListCommand } from './conflicts-list';
import { conflictsRestoreCommand } from './conflicts-restore';
import { migrateCommand } from './migrate';
import { peerAddCommand } from './peer-add';
import { peerApproveCommand } from './peer-approve';
import { peerListCommand } from './peer-list';
import { peerRevokeCommand } from './peer-revoke';
import { syncLogCommand } from './sync-log';
import { syncPreviewCommand } from './sync-preview';
import { syncPullCommand } from './sync-pull';
import { syncAcceptPushCommand, syncPushCommand, syncScheduleCommand, syncStatusCommand } from './sync-schedule';
import { verifyCommand } from './verify';

/** Setup (migrate) and the operator commands that talk to a running node. */
export const OPERATOR_COMMANDS: CliCommand[] = [
  migrateCommand,
  peerAddCommand,
  peerApproveCommand,
  peerRevokeCommand,
  peerListCommand,
  syncPreviewCommand,
  syncPullCommand,
  syncLogCommand,
  syncScheduleCommand,
  syncPushCommand,
  syncAcceptPushCommand,
  syncStatusCommand,
  bundleExportCommand,
  bundleImportCommand,
  bundleAckCommand,
  bundleAcceptAckCommand,
  conflictsListCommand,
  conflictsRestoreCommand,
  verifyCommand,
];
