/**
 * The V8 flags a node process runs with, wherever it is started: `npm start`, the Docker image's
 * CMD, the bench and the e2e harness (test/unit/runtime-flags.spec.ts checks package.json and the
 * Dockerfile against this list). They must be on the command line (or in NODE_OPTIONS): V8 sizes
 * its heap when the process starts, and v8.setFlagsFromString later changes nothing.
 *
 * `--max-semi-space-size=2` (MB): the young generation's cap. By default V8 lets it grow to 16 MB
 * per semi-space (32 MB) under the steady allocation of a pull (stream chunks, rows of the file
 * table, progress), and shrinks it back only after some idle seconds: the requester's RSS then
 * grew ~30 MB more during a 1M-row pull than during a 100K one, and the idle measured before a
 * pull depended on whether V8 had shrunk it yet (bench/README.md, "Requester memory"). Capped, the
 * garbage of a stream is collected every few MB, with the Buffers it holds. Its cost: objects that
 * would die young get promoted, so a 100K pull runs a few more mark-compacts (~0.3 s of the
 * requester's CPU under load, its wall time not measurably longer); at 1M, GC is the same as with
 * 8 MB (same section). 8 MB costs nothing at 100K but leaves a 1M pull's growth near the default's.
 *
 * `--expose-gc`: V8's gc(), which GarbageBudget (src/sync/shared/garbage-budget.ts) calls when a
 * pull's streams leave more than 4 MB of dead Buffers (a young-generation collection; a full one
 * only if that did not free them). Left to V8, the dead Buffers of a long pull piled up to ~64 MB
 * (its trigger on external memory) before a collection, a short pull's only to what it had
 * received, so the requester's peak grew with the pull's size (bench/README.md, "Flat memory 100K
 * → 1M", "Garbage counted without the pool"). Without the flag the budget does nothing.
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--expose-gc'];

/** The flags of NODE_RUNTIME_FLAGS a process was not started with (by default this one: its execArgv and NODE_OPTIONS). */
export function missingRuntimeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  const nameOf = (flag: string) => flag.split('=')[0].replace(/_/g, '-');
  return NODE_RUNTIME_FLAGS.filter((flag) => !given.some((g) => nameOf(g) === nameOf(flag)));
}
