import { AppError } from '../core/errors/app-error';

/** Minimum length of a user password (NIST SP 800-63B: length over composition rules). */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1000;

/** Passwords every guessing list starts with (the policy's length rule already excludes shorter ones). */
const COMMON = new Set(['password1234', 'passwordpassword', '123456789012', 'qwertyuiopas', 'administrator', 'changemechangeme', 'letmeinletmein']);

/**
 * What is wrong with a new password, or undefined: at least 12 characters (code points), at most
 * 1000, not one repeated character, not the login or containing it, not a well-known password.
 * Used by every way a password is set (API, CLI); checked at creation, never at login.
 */
export function passwordProblem(password: string, login: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (new Set(password).size === 1) return 'the password must not be one repeated character';
  const lower = password.toLowerCase();
  if (login.trim().length >= 4 && lower.includes(login.trim().toLowerCase())) return 'the password must not contain the login';
  if (COMMON.has(lower)) return 'the password is a well-known password';
  return undefined;
}

/** 400 ERR_WEAK_PASSWORD when the password breaks the policy. */
export function requireAcceptablePassword(password: string, login: string): void {
  const problem = passwordProblem(password, login);
  if (problem) throw new AppError(400, 'ERR_WEAK_PASSWORD', problem, { details: { field: 'password' } });
}
