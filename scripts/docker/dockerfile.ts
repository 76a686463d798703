/**
 * Reads a Dockerfile into its instructions (docker/Dockerfile for the dry build and the build-context
 * spec): comments dropped, continuation lines joined, leading `--flag=value` options split off. Only
 * what this project's Dockerfile needs is understood; anything else is refused, never guessed.
 */
export interface Instruction {
  /** Upper-case keyword (FROM, RUN, COPY, …). */
  keyword: string;
  /** Line the instruction starts on (1-based), for messages. */
  line: number;
  /** Leading options, e.g. `--from=build` → { from: 'build' }. */
  flags: Record<string, string>;
  /** Everything after the keyword and the options, as written. */
  args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    const escape = /^#\s*escape\s*=\s*(\S*)/i.exec(trimmed);
    if (escape && !instructions.length && !pending && escape[1] !== '\\') {
      throw new Error(`Dockerfile line ${index + 1}: the escape directive "${escape[1]}" is not supported (only \\)`);
    }
    // Comment lines are dropped even inside a continuation, as Docker does; so are empty ones.
    if (trimmed.startsWith('#') || trimmed === '') return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    pending = pending ? { ...pending, text: pending.text + body } : { line: index + 1, text: body };
    if (!continued) {
      instructions.push(toInstruction(pending.text, pending.line));
      pending = undefined;
    }
  });
  if (pending) instructions.push(toInstruction(pending.text, pending.line));
  return instructions;
}

function toInstruction(text: string, line: number): Instruction {
  const [, keyword, rest] = /^\s*(\S+)\s*([\s\S]*)$/.exec(text) ?? ['', '', ''];
  const flags: Record<string, string> = {};
  let args = rest;
  for (let flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(args); flag; flag = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(args)) {
    flags[flag[1]] = flag[2] ?? 'true';
    args = args.slice(flag[0].length);
  }
  return { keyword: keyword.toUpperCase(), line, flags, args: args.trim() };
}

/** The JSON array of an exec-form argument (`["node", "x.js"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined; // Docker runs a malformed JSON array as a shell command.
  }
}

/** The command an instruction runs: exec form as written, shell form through /bin/sh -c (Docker's default SHELL). */
export function commandOf(args: string): string[] {
  return execForm(args) ?? ['/bin/sh', '-c', args];
}

/** Whitespace-separated words, honouring quotes and backslash escapes (ENV, COPY, USER, …). */
export function words(args: string): string[] {
  const result: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === '\\' && quote !== "'" && i + 1 < args.length) {
      word = (word ?? '') + args[++i];
    } else if (quote && c === quote) {
      quote = undefined;
    } else if (!quote && (c === '"' || c === "'")) {
      quote = c;
      word = word ?? '';
    } else if (!quote && /\s/.test(c)) {
      if (word !== undefined) result.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${args}`);
  if (word !== undefined) result.push(word);
  return result;
}

/** `$NAME` and `${NAME}` from the stage's environment (unset = empty); the `${NAME:-x}` forms are refused. */
export function substitute(args: string, env: Record<string, string>): string {
  return args.replace(/\\\$|\$\{([^}]*)\}|\$([A-Za-z_]\w*)/g, (match, braced: string | undefined, bare: string | undefined) => {
    if (match === '\\$') return match; // words() turns it into a literal $
    const name = braced ?? bare ?? '';
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`variable form ${match} is not supported by the dry build`);
    return env[name] ?? '';
  });
}

/** ENV's `KEY=value …` pairs (or the legacy `KEY value` form). */
export function envPairs(args: string): [string, string][] {
  const parts = words(args);
  if (parts.length && !parts[0].includes('=')) return [[parts[0], parts.slice(1).join(' ')]];
  return parts.map((p) => {
    const at = p.indexOf('=');
    if (at <= 0) throw new Error(`ENV expects KEY=value, got "${p}"`);
    return [p.slice(0, at), p.slice(at + 1)];
  });
}

/** A Go duration as HEALTHCHECK takes it (`10s`, `1m30s`, `500ms`), in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((total, [, value, unit]) => total + Number(value) * units[unit], 0);
}

/** COPY/ADD sources and destination (shell or JSON form); the destination is the last word. */
export function copyOperands(args: string): { sources: string[]; dest: string } {
  const parts = execForm(args) ?? words(args);
  if (parts.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1] };
}
