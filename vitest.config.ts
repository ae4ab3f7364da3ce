import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      { find: /^switchboard$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^switchboard\/extend$/, replacement: fileURLToPath(new URL('./src/extend.ts', import.meta.url)) },
      { find: /^switchboard\/otel$/, replacement: fileURLToPath(new URL('./src/otel.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Fetches what npm does not install (etcd, Chromium, Python's grpcio, openssl) when missing.
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One test file at a time: many tests measure how real nodes share load under real
    // timing, which another file's CPU burst on 2 cores would skew. The suite takes as long
    // either way (its files mostly wait on the network and timers).
    fileParallelism: false,
  },
});
