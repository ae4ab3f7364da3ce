import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GenTarget } from '../src/cli/gen-target.js';

/** The repository root: target paths are relative to it. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The project's own runtime, imported by relative path from code generated inside `src`. */
const inRepoRuntime = { file: 'src/schema/descriptor.js' };

const testProtos = readdirSync(new URL('../test/protos', import.meta.url))
  .filter((name) => name.endsWith('.proto'))
  .sort()
  .map((name) => `test/protos/${name}`);

/** Every generated module of the repository, each once (`npm run gen` writes them all). */
export const genTargets: readonly GenTarget[] = [
  {
    protos: [
      'proto/grpc/health/v1/health.proto',
      'proto/grpc/reflection/v1/reflection.proto',
      'proto/grpc/reflection/v1alpha/reflection.proto',
      'proto/switchboard/v1/node.proto',
      'proto/xds/data/orca/v3/orca_load_report.proto',
    ],
    root: 'proto',
    out: 'src/gen',
    runtime: inRepoRuntime,
  },
  { protos: ['proto/demo/greeter.proto'], root: 'proto', out: 'src/gen', runtime: inRepoRuntime },
  { protos: ['proto/demo/greeter.proto'], root: 'proto/demo', out: 'examples/greeter/gen', runtime: 'switchboard' },
  { protos: ['proto/demo/greeter.proto'], root: 'proto/demo', out: 'examples/quick-start/gen', runtime: 'switchboard' },
  { protos: testProtos, root: 'test/protos', out: 'test/gen', runtime: 'switchboard' },
  // The gRPC project's own interop protos, as Debian's grpc-proto ships them (the Python and Ruby interop tests).
  {
    protos: ['empty', 'messages', 'test'].map((name) => `test/protos/grpc/testing/${name}.proto`),
    root: 'test/protos',
    include: ['test/protos'],
    out: 'test/gen',
    runtime: 'switchboard',
  },
];
