// etcd for the discovery tests and the etcd-cluster example: the launcher's own search
// (ETCD_BIN, PATH, .cache/debs/etcd/) and its fetch (Debian's etcd-server, unpacked).
import { provideEtcd } from '../../scripts/dev/etcd.js';
import type { Provided, Provider } from './provider.js';

declare module 'vitest' {
  interface ProvidedContext {
    etcd: Provided;
  }
}

export const etcd: Provider = { name: 'etcd', provide: provideEtcd };
