/**
 * A small typed reader over an environment map. Every setting the node reads is declared here with
 * a description, so configuration errors name the setting and `.env.example` can be checked
 * against the declarations (test/unit/config/env-example.spec.ts).
 */
export interface SettingDoc {
  name: string;
  description: string;
  default?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export class EnvReader {
  readonly problems: string[] = [];
  readonly documented: SettingDoc[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  private raw(name: string, description: string, fallback?: string): string | undefined {
    this.documented.push({ name, description, default: fallback });
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? fallback : value.trim();
  }

  str(name: string, description: string, fallback?: string): string {
    const value = this.raw(name, description, fallback);
    if (value === undefined) {
      this.problems.push(`${name} is required (${description})`);
      return '';
    }
    return value;
  }

  optional(name: string, description: string): string | undefined {
    return this.raw(name, description);
  }

  int(name: string, description: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name, description, String(fallback));
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  }

  /** Whether any of `names` is set: variables a library reads itself (not the node's settings, not documented here). */
  anySet(names: readonly string[]): boolean {
    return names.some((name) => (this.env[name] ?? '').trim() !== '');
  }

  bool(name: string, description: string, fallback: boolean): boolean {
    const value = this.raw(name, description, String(fallback))!.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, description: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name, description, fallback);
    if (!allowed.includes(value as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, description: string, protocols: string[]): string | undefined {
    const value = this.raw(name, description);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return value;
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.join(' or ')}, got "${redact(value)}"`);
      return undefined;
    }
  }
}

/** Hides the password of a URL so errors and logs never print credentials. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
