/**
 * Vitest's global setup: provides, once per run, what the suite needs beyond npm (see
 * provider.ts) and passes each result to the tests (`inject(name)`). With everything in
 * place it runs no apt at all; it prints one line per thing it fetched and one per thing
 * it could not have (whose suite is then skipped).
 */
import type { TestProject } from 'vitest/node';
import { chromium } from './chromium.js';
import { etcd } from './etcd.js';
import { goGrpc } from './go-grpc.js';
import { openssl } from './openssl.js';
import type { Provided, Provider } from './provider.js';
import { pythonGrpc } from './python-grpc.js';
import { rubyGrpc } from './ruby-grpc.js';

/** Every tool of the run: a new provider is one entry here. */
const PROVIDERS: readonly Provider[] = [etcd, openssl, pythonGrpc, rubyGrpc, goGrpc, chromium];

export default function setup(project: TestProject): void {
  for (const provider of PROVIDERS) project.provide(provider.name, provide(provider));
}

function provide(provider: Provider): Provided {
  const started = performance.now();
  try {
    const { path, fetched } = provider.provide();
    if (fetched !== undefined) console.log(`${fetched} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { available: true, path };
  } catch (error) {
    const missing = error instanceof Error ? error.message : String(error);
    console.log(`${provider.name} unavailable, its tests are skipped: ${missing}`);
    return { available: false, missing };
  }
}
