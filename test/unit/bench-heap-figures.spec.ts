import { collectDefaultMetrics, Registry } from 'prom-client';
import { heapFromMetrics } from '../../bench/process-stats';

/** The bench reads an idle node's heap from its /metrics (prom-client's default metrics, prefix prism_, as NodeMetrics registers them). */
describe('bench: heap figures from /metrics', () => {
  it('reads used, total, new space and external memory, in MB', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'prism_' });
    const heap = heapFromMetrics(await registry.metrics());
    expect(heap).toBeDefined();
    expect(heap!.totalMb).toBeGreaterThan(0);
    expect(heap!.usedMb).toBeLessThanOrEqual(heap!.totalMb);
    expect(heap!.newSpaceMb).toBeLessThanOrEqual(heap!.totalMb);
    expect(heap!.externalMb).toBeGreaterThanOrEqual(0);
  });

  it('is undefined when a figure is missing', () => {
    expect(heapFromMetrics('prism_nodejs_heap_size_used_bytes 1048576\n')).toBeUndefined();
    expect(
      heapFromMetrics(
        [
          'prism_nodejs_heap_size_used_bytes 3145728',
          'prism_nodejs_heap_size_total_bytes 4194304',
          'prism_nodejs_heap_space_size_total_bytes{space="new"} 2097152',
          'prism_nodejs_external_memory_bytes 1048576',
        ].join('\n'),
      ),
    ).toEqual({ usedMb: 3, totalMb: 4, newSpaceMb: 2, externalMb: 1 });
  });
});
