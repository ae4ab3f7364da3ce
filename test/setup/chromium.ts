// Headless Chromium for the status page test (driven by playwright-core). Installed, not
// unpacked: it needs a few dozen libraries that apt resolves.
import { existsSync } from 'node:fs';
import { installDebs } from '../../scripts/dev/debian.js';
import { cannotProvide, type Provided, type Provider } from './provider.js';

declare module 'vitest' {
  interface ProvidedContext {
    chromium: Provided;
  }
}

const SYSTEM = '/usr/bin/chromium';

export const chromium: Provider = {
  name: 'chromium',
  provide() {
    const found = [process.env.CHROMIUM_PATH, SYSTEM].find(
      (path): path is string => path !== undefined && existsSync(path),
    );
    if (found !== undefined) return { path: found };
    try {
      installDebs(['chromium']);
      if (!existsSync(SYSTEM)) throw new Error(`no ${SYSTEM} after apt-get install chromium`);
    } catch (error) {
      throw cannotProvide('Chromium', 'apt-get install chromium (or set CHROMIUM_PATH)', error);
    }
    return { path: SYSTEM, fetched: "chromium: installed Debian's chromium (apt-get install)" };
  },
};
