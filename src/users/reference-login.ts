import { AppError } from '../core/errors/app-error';
import { isUuid } from '../core/uuid';
import { Fields } from '../core/http/fields';

/** The reference's login payload (B UserLoginPayload) as the IRIS middleware sends it. */
export interface ReferenceLogin {
  username: string;
  /** Candidate clear-text passwords decoded from the base64 field (one or two, see decodePassword). */
  passwords: string[];
  researchId?: string;
}

const invalid = (field: string, problem: string) =>
  new AppError(400, 'ERR_VALIDATION', `invalid input: ${field} (${problem})`, { details: { fields: [{ field, problems: [problem] }] } });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The desktop sends `btoa(password)`: base64 of the password's Latin-1 code units. The reference
 * decodes those bytes as UTF-8, so non-ASCII passwords typed in the desktop never match there
 * (iris-desktop-api.md D13); clients that base64 the UTF-8 bytes exist too. Both readings are
 * tried (at most two password checks), which equal each other for ASCII passwords.
 */
export function decodePassword(encoded: string): string[] {
  const bytes = Buffer.from(encoded, 'base64');
  const latin1 = bytes.toString('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const validUtf8 = Buffer.from(utf8, 'utf8').equals(bytes);
  return validUtf8 && utf8 !== latin1 ? [utf8, latin1] : [latin1];
}

/**
 * Reads `{username, password (base64), token?, researchId?}` case-insensitively, ignoring every
 * other member (the middleware adds channelId, sessionToken and timestamp to every body).
 */
export function readReferenceLogin(body: unknown): ReferenceLogin {
  const f = new Fields(body);
  const username = f.raw('username');
  if (typeof username !== 'string' || username.length === 0 || username.length > 200) {
    throw invalid('username', 'must be a string of 1 to 200 characters');
  }
  const password = f.raw('password');
  if (typeof password !== 'string' || password.length === 0 || password.length > 2000 || !BASE64.test(password)) {
    throw invalid('password', 'must be the base64 of the password');
  }
  const researchId = f.raw('researchId');
  if (researchId !== undefined && researchId !== null && (typeof researchId !== 'string' || !isUuid(researchId))) {
    throw invalid('researchId', 'must be a UUID');
  }
  return { username, passwords: decodePassword(password), researchId: (researchId as string | null | undefined) ?? undefined };
}
