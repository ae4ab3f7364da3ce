// The test side of provider.ts: what the global setup found, for `describe.skipIf`.
import { inject } from 'vitest';
import type { ProvidedName } from './provider.js';

/** The provided tool's path, or undefined after printing why `suite` is skipped. */
export function provided(name: ProvidedName, suite: string): string | undefined {
  const tool = inject(name);
  if (tool.available) return tool.path;
  console.warn(`${suite} skipped: ${tool.missing}`);
  return undefined;
}
