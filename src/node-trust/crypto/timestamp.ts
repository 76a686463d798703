/**
 * .NET "O" round-trip timestamps (`yyyy-MM-ddTHH:mm:ss.fffffffZ`, always 7 fractional digits).
 * The reference signs `timestamp.ToString("O")` of the *deserialised* value, so a signer must send
 * exactly this form and a verifier must re-render whatever it received into it
 * (prism-reference.md §2.3 "Timestamp pitfall").
 */
const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Formats a JS date in the 7-digit "O" form (milliseconds + "0000"). */
export function formatO(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 23)}0000Z`;
}

/**
 * The "O" renderings a .NET server would sign for a received timestamp string: UTC input is
 * padded/truncated to 7 digits + Z; an offset is converted to UTC (keeping sub-millisecond digits);
 * an input without zone (DateTimeKind.Unspecified) renders without Z. Returns undefined when the
 * string is not an ISO-8601 date-time.
 */
export function normalizeToO(input: string): string | undefined {
  const match = ISO.exec(input.trim());
  if (!match) return undefined;
  const [, day, time, fraction = '', zone] = match;
  const digits = fraction.padEnd(7, '0').slice(0, 7);
  if (zone === undefined) return `${day}T${time}.${digits}`;
  if (zone === 'Z' || zone === 'z') return `${day}T${time}.${digits}Z`;
  const whole = new Date(`${day}T${time}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  if (Number.isNaN(whole.getTime())) return undefined;
  return `${whole.toISOString().slice(0, 19)}.${digits}Z`;
}

/** Candidate strings a signature over `timestamp` may have been made with (normalised first, then raw). */
export function signedTimestampForms(input: string): string[] {
  const normalized = normalizeToO(input);
  const forms = [normalized, input];
  if (normalized && !normalized.endsWith('Z')) forms.push(`${normalized}Z`);
  return [...new Set(forms.filter((f): f is string => !!f))];
}

/** Milliseconds since epoch of an ISO timestamp (zone-less input read as UTC), or NaN. */
export function parseTimestamp(input: unknown): number {
  if (typeof input !== 'string') return Number.NaN;
  const normalized = normalizeToO(input);
  if (!normalized) return Number.NaN;
  return Date.parse(normalized.endsWith('Z') ? normalized : `${normalized}Z`);
}
