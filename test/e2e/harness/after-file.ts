import { NodeProcess } from './node-process';

// Registered for every e2e file (jest.config.js, setupFilesAfterEnv): runs after the file's own afterAll hooks.
afterAll(() => NodeProcess.killStrays(), 30_000);
