import { Injectable } from '@nestjs/common';
import type { PushRequestResult, SyncProgress } from '../../../client/src/types';
import { AppError } from '../../core/errors/app-error';
import { PeerError } from '../../core/errors/peer-error';
import { isUuid } from '../../core/uuid';
import { invalidField } from '../../core/validation';
import { PeerConnector } from '../pull/peer.port';
import { PeerDirectory } from '../pull/peer-directory';
import { SyncJobs } from '../pull/sync-jobs.service';
import { SyncSchedules } from '../schedule/sync-schedules';

/** The additive protocol route a peer serves for push requests (reference nodes answer 404). */
export const PULL_REQUEST_ROUTE = '/api/sync/pull-request';

/**
 * Push = ask the peer to pull (SPEC §7). The requester calls the peer's pull-request route over its
 * channel and session; the peer runs an ordinary pull from the requester — its own grant checks,
 * its own transaction — only when its connection to the requester accepts push requests (off by
 * default). Neither side ever writes into the other's database.
 */
@Injectable()
export class PushRequests {
  constructor(
    private readonly peers: PeerDirectory,
    private readonly connector: PeerConnector,
    private readonly jobs: SyncJobs,
    private readonly settings: SyncSchedules,
  ) {}

  /** Requester side: asks `remoteNodeId` to pull from this node now; answers with the peer's job id. */
  async ask(remoteNodeId: string): Promise<PushRequestResult> {
    const peer = await this.peers.resolveForCall(remoteNodeId);
    const answer = await this.callPeer(remoteNodeId, () => this.connector.connect(peer).then((c) => c.invoke<{ jobId: string }>('POST', PULL_REQUEST_ROUTE, {})));
    return { remoteNodeId, remoteJobId: answer.jobId };
  }

  /** Requester side: the progress of the pull the peer runs for our push request. */
  async follow(remoteNodeId: string, remoteJobId: string): Promise<SyncProgress> {
    if (!isUuid(remoteJobId)) throw invalidField('jobId', 'must be a UUID');
    const peer = await this.peers.resolveForCall(remoteNodeId);
    return this.callPeer(remoteNodeId, () => this.connector.connect(peer).then((c) => c.invoke<SyncProgress>('GET', `${PULL_REQUEST_ROUTE}/${remoteJobId}`)));
  }

  /** Peer side: `requesterId` (the verified session's registry id) asks this node to pull from it. */
  async accept(requesterId: string): Promise<{ jobId: string }> {
    if (!(await this.settings.acceptsPushFrom(requesterId))) {
      throw AppError.of('ERR_PUSH_NOT_ALLOWED', 'this node does not accept push requests from your node (its operator can allow them on the connection)');
    }
    // An ordinary pull: the same pre-checks (Authorized, URL, ReadWrite connection), lock and log.
    const jobId = await this.jobs.start({ remoteNodeId: requesterId, kind: 'pull', requestedBy: `push:${requesterId}` });
    return { jobId };
  }

  /** Peer side: progress of a pull this node runs from `requesterId` — that node's jobs only. */
  async progress(requesterId: string, jobId: string): Promise<SyncProgress> {
    if (!isUuid(jobId)) throw invalidField('jobId', 'must be a UUID');
    // A running job may have no log row yet (SyncLogs.draft): its live status names the peer too.
    const status = await this.jobs.status(jobId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'ERR_JOB_NOT_FOUND') return undefined;
      throw error;
    });
    if (!status || status.remoteNodeId !== requesterId) throw new AppError(404, 'ERR_JOB_NOT_FOUND', `no sync job ${jobId} of your node`);
    return status;
  }

  private async callPeer<T>(remoteNodeId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PeerError && error.status === 404 && error.code !== 'ERR_JOB_NOT_FOUND') {
        throw AppError.of('ERR_PUSH_UNSUPPORTED', 'this peer cannot be asked to pull: it does not serve push requests (a reference-protocol node?)', {
          details: { remoteNodeId },
        });
      }
      if (error instanceof PeerError && error.status > 0 && error.status < 500) {
        // The peer's refusal in its own words and code (ERR_PUSH_NOT_ALLOWED, ERR_SYNC_IN_PROGRESS, …).
        throw AppError.relayed(error.status, error.code, `the peer refused: ${error.message}`, { details: { remoteNodeId } });
      }
      if (error instanceof PeerError) throw AppError.relayed(502, error.code, error.message, { details: { remoteNodeId } });
      throw error;
    }
  }
}
