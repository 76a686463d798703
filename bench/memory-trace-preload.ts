import { traceSelf } from './memory-trace';

// `node --require dist/bench/memory-trace-preload.js`: the node samples itself (memory-trace.ts) for its whole life when PRISM_MEMORY_TRACE names a file.
if (process.env.PRISM_MEMORY_TRACE) traceSelf(process.env.PRISM_MEMORY_TRACE);
