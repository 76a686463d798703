import { ECHO_MS, stopOnSignals } from '../../src/stop-signals';

describe('a node stopping on SIGINT and SIGTERM (src/stop-signals.ts)', () => {
  function harness(running = true) {
    let clock = 1_000;
    const exits: number[] = [];
    const lines: Array<[string, string]> = [];
    let closed!: () => void;
    const closing = new Promise<void>((done) => (closed = done));
    const close = jest.fn(() => closing);
    const stop = stopOnSignals({ node: () => (running ? { close } : undefined), exit: (code) => exits.push(code), log: (level, message) => lines.push([level, message]), now: () => clock });
    return { stop, exits, lines, close, finish: async () => (closed(), await closing, await Promise.resolve()), advance: (ms: number) => (clock += ms) };
  }

  it('one Ctrl-C on npm start (the terminal SIGINT, then npm passing its own on) stops the node in order and exits 0', async () => {
    const h = harness();
    h.stop('SIGINT');
    h.advance(350);
    h.stop('SIGINT');
    expect(h.exits).toEqual([]);
    expect(h.close).toHaveBeenCalledTimes(1);
    await h.finish();
    expect(h.exits).toEqual([0]);
    expect(h.lines.map(([level]) => level)).toEqual(['log', 'debug']);
  });

  it('a second Ctrl-C later, or another signal, leaves at once', () => {
    const later = harness();
    later.stop('SIGINT');
    later.advance(ECHO_MS);
    later.stop('SIGINT');
    expect(later.exits).toEqual([130]);
    expect(later.lines.at(-1)).toEqual(['warn', 'SIGINT received again: leaving without waiting']);
    const other = harness();
    other.stop('SIGINT');
    other.stop('SIGTERM');
    expect(other.exits).toEqual([143]);
  });

  it('a signal while the node is still starting exits at once', () => {
    const h = harness(false);
    h.stop('SIGTERM');
    expect(h.exits).toEqual([143]);
  });
});
