import { runCli } from '../../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/** Runs `prism-node <argv>` in this process, capturing what it prints. */
export async function cli(argv: string[], onStderr?: (text: string) => void): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void err.push(parts.join(' ')));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    err.push(text);
    onStderr?.(text);
    return true;
  });
  try {
    const code = await runCli(argv);
    const stdout = out.join('\n');
    return { code, stdout, stderr: err.join('\n'), json: <T>() => JSON.parse(stdout) as T };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}
