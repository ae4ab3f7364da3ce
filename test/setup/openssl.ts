// openssl writes the TLS tests' certificates; Debian's package when it is not on PATH.
import { spawnSync } from 'node:child_process';
import { installDebs } from '../../scripts/dev/debian.js';
import { cannotProvide, type Provided, type Provider } from './provider.js';

declare module 'vitest' {
  interface ProvidedContext {
    openssl: Provided;
  }
}

const runs = () => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

export const openssl: Provider = {
  name: 'openssl',
  provide() {
    if (runs()) return { path: 'openssl' };
    try {
      installDebs(['openssl']);
      if (!runs()) throw new Error('openssl still does not run after apt-get install');
    } catch (error) {
      throw cannotProvide('openssl', 'apt-get install openssl', error);
    }
    return { path: 'openssl', fetched: "openssl: installed Debian's openssl (apt-get install)" };
  },
};
