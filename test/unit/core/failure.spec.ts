import { BadRequestException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppError } from '../../../src/core/errors/app-error';
import { classifyFailure } from '../../../src/core/errors/failure';
import { PeerError } from '../../../src/core/errors/peer-error';
import { invalidField, validationError } from '../../../src/core/validation';

const pgError = (code: string, detail?: string) => new QueryFailedError('INSERT …', [], Object.assign(new Error('pg says no'), { code, detail }));

describe('the failure classifier', () => {
  it('at the HTTP edge: client faults become 4xx with a code, anything unknown 500', () => {
    expect(classifyFailure(new BadRequestException('bad'), 'request')).toMatchObject({ status: 400, code: 'ERR_BAD_REQUEST', message: 'bad' });
    expect(classifyFailure({ status: 413, type: 'entity.too.large', message: 'big' }, 'request')).toMatchObject({ status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' });
    expect(classifyFailure({ status: 400, type: 'entity.parse.failed' }, 'request')).toMatchObject({ status: 400, code: 'ERR_MALFORMED_BODY' });
    expect(classifyFailure(pgError('23505', 'Key (email)=(a) already exists.'), 'request')).toMatchObject({ status: 409, code: 'ERR_UNIQUE_VIOLATION' });
    expect(classifyFailure(pgError('23503'), 'request')).toMatchObject({ status: 422, code: 'ERR_REFERENCE_NOT_FOUND' });
    expect(classifyFailure(new Error('a bug'), 'request')).toMatchObject({ status: 500, code: 'ERR_INTERNAL', message: 'internal error' });
    const known = AppError.of('ERR_JOB_NOT_FOUND', 'no job');
    expect(classifyFailure(known, 'request')).toBe(known);
  });

  it('in a pull: cancellation wins, a peer refusal names the grant, peer codes pass on, database errors are apply failures', () => {
    expect(classifyFailure(new Error('aborted'), 'pull', { cancelled: true })).toMatchObject({ status: 409, code: 'ERR_SYNC_CANCELLED' });
    expect(classifyFailure(new PeerError(403, 'ERR_INSUFFICIENT_PERMISSIONS', 'ReadOnly', false), 'pull')).toMatchObject({
      status: 403,
      code: 'ERR_INSUFFICIENT_CAPABILITY',
      message: expect.stringMatching(/ReadWrite or Admin/),
    });
    expect(classifyFailure(new PeerError(0, 'ERR_PEER_UNREACHABLE', 'down', true), 'pull')).toMatchObject({ status: 502, code: 'ERR_PEER_UNREACHABLE' });
    expect(classifyFailure(new PeerError(400, 'ERR_VALIDATION', 'peer refused the page', false), 'pull')).toMatchObject({ status: 502, code: 'ERR_VALIDATION' });
    expect(classifyFailure(pgError('23503', 'Key (x)=(y) is not present'), 'pull')).toMatchObject({
      status: 502,
      code: 'ERR_APPLY_FAILED',
      message: expect.stringContaining('(23503)'),
    });
    expect(classifyFailure(new Error('disk full'), 'pull')).toMatchObject({ status: 502, code: 'ERR_SYNC_FAILED', message: 'disk full' });
    const known = AppError.of('ERR_SCHEMA_MISMATCH', 'upgrade');
    expect(classifyFailure(known, 'pull')).toBe(known);
  });

  it('validation errors have one shape: 400 ERR_VALIDATION listing the fields', () => {
    expect(invalidField('remoteNodeId', 'must be a UUID').toBody()).toEqual({
      error: 'ERR_VALIDATION',
      message: 'remoteNodeId must be a UUID',
      fields: [{ field: 'remoteNodeId', problems: ['must be a UUID'] }],
    });
    expect(validationError([{ field: 'a', problems: ['x', 'y'] }]).message).toBe('invalid input: a (x; y)');
  });
});
