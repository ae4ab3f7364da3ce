// The gRPC project's own Ruby interop client and server (Debian's ruby-grpc, C core) and
// the interop protos (Debian's grpc-proto), for the official interop suite: installed with
// apt-get when missing (they bring Ruby and its gems, not a service).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { installDebs } from '../../scripts/dev/debian.js';
import { cannotProvide, type Provided, type Provider } from './provider.js';

declare module 'vitest' {
  interface ProvidedContext {
    rubyGrpc: Provided;
  }
}

/** Where the Ruby interop programs and the interop protos are. */
export interface RubyGrpc {
  /** The Ruby interpreter. */
  readonly ruby: string;
  /** `src/ruby/pb/test/client.rb` inside the grpc gem. */
  readonly clientRb: string;
  /** `src/ruby/pb/test/server.rb` inside the grpc gem. */
  readonly serverRb: string;
  /** The directory holding `grpc/testing/{test,messages,empty}.proto`. */
  readonly protoDir: string;
  /** The gem's version, e.g. `1.51.1`. */
  readonly version: string;
}

const RUBY = '/usr/bin/ruby';
const PACKAGES = ['ruby-grpc', 'grpc-proto'];

export const rubyGrpc: Provider = {
  name: 'rubyGrpc',
  provide() {
    if (typeof locateRubyGrpc() !== 'string') return { path: RUBY };
    try {
      installDebs(PACKAGES);
      const found = locateRubyGrpc();
      if (typeof found === 'string') throw new Error(found);
    } catch (error) {
      throw cannotProvide("Ruby's gRPC interop client and server", `apt-get install ${PACKAGES.join(' ')}`, error);
    }
    return { path: RUBY, fetched: `ruby grpc: installed Debian's ${PACKAGES.join(' and ')} (apt-get install)` };
  },
};

/** The installed programs, or what is missing (nothing is installed here). */
export function locateRubyGrpc(): RubyGrpc | string {
  const gemFiles = packageFiles('ruby-grpc');
  const protoFiles = packageFiles('grpc-proto');
  const clientRb = gemFiles.find((file) => file.endsWith('/src/ruby/pb/test/client.rb'));
  const serverRb = gemFiles.find((file) => file.endsWith('/src/ruby/pb/test/server.rb'));
  const testProto = protoFiles.find((file) => file.endsWith('/grpc/testing/test.proto'));
  if (clientRb === undefined || serverRb === undefined) {
    return 'ruby-grpc (the gem with the interop client.rb and server.rb) is not installed';
  }
  if (testProto === undefined) return 'grpc-proto (grpc/testing/test.proto) is not installed';
  const version = spawnSync(RUBY, ['-e', "require 'grpc'; print GRPC::VERSION"], { encoding: 'utf8' });
  if (version.status !== 0) return `ruby cannot load the grpc gem: ${lastLine(version.stderr)}`;
  const protoDir = path.dirname(path.dirname(path.dirname(testProto)));
  return { ruby: RUBY, clientRb, serverRb, protoDir, version: version.stdout.trim() };
}

function packageFiles(name: string): string[] {
  const listed = spawnSync('dpkg', ['-L', name], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return listed.status === 0 ? listed.stdout.split('\n') : [];
}

function lastLine(text: string | null): string {
  return text?.trim().split('\n').at(-1) ?? 'no output';
}
