/**
 * What the test suite needs that npm does not install, provided by the test run itself.
 *
 * A provider finds its tool without touching apt (PATH, a known path, `.cache/`) and only
 * when it is missing fetches it (scripts/dev/debian.ts). `global-setup.ts` runs every
 * provider once per run and hands each result to the tests under the provider's `name`
 * (`inject(name)`); a test file skips its suite only when the tool is unavailable, with
 * `missing` as the message.
 *
 * A new provider is a file here that exports a `Provider` and declares its key:
 *
 *   declare module 'vitest' { interface ProvidedContext { myTool: Provided } }
 *
 * plus its entry in the list in `global-setup.ts`.
 */
import type { ProvidedContext } from 'vitest';

/** Where the tool is, or why it is not there and the command that installs it. */
export type Provided =
  | { readonly available: true; readonly path: string }
  | { readonly available: false; readonly missing: string };

/** The keys of `ProvidedContext` that hold a `Provided`. */
export type ProvidedName = {
  [K in keyof ProvidedContext]: ProvidedContext[K] extends Provided ? K : never;
}[keyof ProvidedContext] &
  string;

/** One tool of the test run. */
export interface Provider {
  readonly name: ProvidedName;
  /**
   * Finds the tool or fetches it; `fetched` is the one line to print when it fetched
   * something. Throws when it cannot be had.
   */
  provide(): { readonly path: string; readonly fetched?: string };
}

/** The error a provider throws when its tool cannot be had: what is missing, why, and how to install it. */
export function cannotProvide(what: string, install: string, error: unknown): Error {
  const why = error instanceof Error ? error.message : String(error);
  return new Error(`${what} is missing and could not be fetched (${why}); install it: ${install}`);
}
