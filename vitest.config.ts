import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'shared/src/**/*.test.ts',
      'server/src/**/*.test.ts',
      'client/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/helpers/built-server.global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Cross-process tests start real servers; two files at a time fits 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
