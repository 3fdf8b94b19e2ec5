import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the chaos suite at a larger size (CHAOS_SCALE) plus the soak. */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/chaos/**/*.test.ts', 'test/chaos/**/*.chaos.ts'],
    globalSetup: ['test/helpers/built-server.global.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
