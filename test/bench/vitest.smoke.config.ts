import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Runs only the bench smoke test (the root config excludes test/bench/**). */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/bench/bench-smoke.test.ts'],
    testTimeout: 180_000,
    reporters: ['default'],
  },
});
