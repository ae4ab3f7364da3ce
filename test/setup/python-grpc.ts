// Python's grpcio (C-core) for the interop tests, as Debian packages it for /usr/bin/python3
// (pip's wheels would need a network the tests do not assume).
import { spawnSync } from 'node:child_process';
import { installDebs } from '../../scripts/dev/debian.js';
import { cannotProvide, type Provided, type Provider } from './provider.js';

declare module 'vitest' {
  interface ProvidedContext {
    pythonGrpc: Provided;
  }
}

const PYTHON = '/usr/bin/python3';
const PACKAGES = ['python3-grpcio', 'python3-protobuf'];
const imports = () => spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0;

export const pythonGrpc: Provider = {
  name: 'pythonGrpc',
  provide() {
    if (imports()) return { path: PYTHON };
    try {
      installDebs(PACKAGES);
      if (!imports()) throw new Error(`${PYTHON} still cannot import grpc and google.protobuf`);
    } catch (error) {
      throw cannotProvide(`grpcio for ${PYTHON}`, `apt-get install ${PACKAGES.join(' ')}`, error);
    }
    return { path: PYTHON, fetched: `python grpcio: installed Debian's ${PACKAGES.join(' and ')} (apt-get install)` };
  },
};
