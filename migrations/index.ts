import { Baseline1795319589468 } from './1795319589468-Baseline';
import { ChangeTracking1795319589469 } from './1795319589469-ChangeTracking';
import { OptionalNodeFingerprint1795319589470 } from './1795319589470-OptionalNodeFingerprint';
import { ConflictRestore1795319589480 } from './1795319589480-ConflictRestore';
import { SyncSchedules1796030365791 } from './1796030365791-SyncSchedules';
import { ReferenceProtocol1796030365800 } from './1796030365800-ReferenceProtocol';
import { NodeTrustIntegrity1796032247997 } from './1796032247997-NodeTrustIntegrity';
import { ClockSkewGuard1796032248000 } from './1796032248000-ClockSkewGuard';
import { ArchiveRemovedRows1796100000140 } from './1796100000140-ArchiveRemovedRows';
import { NaturalKeysNeverBlockPulls1796100000141 } from './1796100000141-NaturalKeysNeverBlockPulls';
import { TombstoneHorizon1796100000150 } from './1796100000150-TombstoneHorizon';
import { BundleTransfers1796100000187 } from './1796100000187-BundleTransfers';
import { SyncLogResume1796100000193 } from './1796100000193-SyncLogResume';
import { HorizonPurgeSnapshot1796100000200 } from './1796100000200-HorizonPurgeSnapshot';
import { NaturalKeyLockBuckets1796100000201 } from './1796100000201-NaturalKeyLockBuckets';
import { SyncLogLastPullIndex1796100000217 } from './1796100000217-SyncLogLastPullIndex';
import { ArchiveCascadedNewerRows1796100000230 } from './1796100000230-ArchiveCascadedNewerRows';
import { WaitingOrphans1796100000231 } from './1796100000231-WaitingOrphans';

/**
 * Every migration, in order. Listed explicitly (rather than globbed) so the app, the CLI and Jest
 * load exactly the same classes.
 */
export const ALL_MIGRATIONS: Function[] = [
  Baseline1795319589468,
  ChangeTracking1795319589469,
  OptionalNodeFingerprint1795319589470,
  ConflictRestore1795319589480,
  SyncSchedules1796030365791,
  ReferenceProtocol1796030365800,
  NodeTrustIntegrity1796032247997,
  ClockSkewGuard1796032248000,
  ArchiveRemovedRows1796100000140,
  NaturalKeysNeverBlockPulls1796100000141,
  TombstoneHorizon1796100000150,
  BundleTransfers1796100000187,
  SyncLogResume1796100000193,
  HorizonPurgeSnapshot1796100000200,
  NaturalKeyLockBuckets1796100000201,
  SyncLogLastPullIndex1796100000217,
  ArchiveCascadedNewerRows1796100000230,
  WaitingOrphans1796100000231,
];
