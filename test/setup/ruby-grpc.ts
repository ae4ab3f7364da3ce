import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The gRPC project's own Ruby interop client and server (Debian's ruby-grpc, C core) and
 * the interop protos (Debian's grpc-proto), for the official interop suite.
 */
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

const run = promisify(execFile);
const PACKAGES = ['ruby-grpc', 'grpc-proto'];

/**
 * Finds Ruby's gRPC interop programs, installing Debian's packages when they are missing
 * (one line says so). Resolves with a reason instead when they cannot be had (no apt-get,
 * not root, the install failed).
 */
export async function rubyGrpc(): Promise<RubyGrpc | string> {
  const found = await locate();
  if (typeof found !== 'string') return found;
  if (!existsSync('/usr/bin/apt-get')) return `${found}, and there is no apt-get to install ${PACKAGES.join(' ')}`;
  if (process.getuid?.() !== 0) return `${found}; installing ${PACKAGES.join(' ')} needs root`;
  console.log(`[ruby-grpc] ${found}: apt-get install -y ${PACKAGES.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', '-q', ...PACKAGES], { env, maxBuffer: 64 << 20 });
  try {
    await install();
  } catch {
    // A machine whose package lists were never fetched knows no such packages yet.
    try {
      await run('apt-get', ['update', '-q'], { env, maxBuffer: 64 << 20 });
      await install();
    } catch (error) {
      return `apt-get install ${PACKAGES.join(' ')} failed: ${lastLine(error)}`;
    }
  }
  return locate();
}

/** The installed programs, or what is missing. */
async function locate(): Promise<RubyGrpc | string> {
  const gemFiles = await packageFiles('ruby-grpc');
  const protoFiles = await packageFiles('grpc-proto');
  const clientRb = gemFiles.find((file) => file.endsWith('/src/ruby/pb/test/client.rb'));
  const serverRb = gemFiles.find((file) => file.endsWith('/src/ruby/pb/test/server.rb'));
  const testProto = protoFiles.find((file) => file.endsWith('/grpc/testing/test.proto'));
  if (clientRb === undefined || serverRb === undefined) return 'ruby-grpc (the gem with the interop client.rb and server.rb) is not installed';
  if (testProto === undefined) return 'grpc-proto (grpc/testing/test.proto) is not installed';
  const ruby = '/usr/bin/ruby';
  try {
    const { stdout } = await run(ruby, ['-e', "require 'grpc'; print GRPC::VERSION"]);
    return { ruby, clientRb, serverRb, protoDir: path.dirname(path.dirname(path.dirname(testProto))), version: stdout.trim() };
  } catch (error) {
    return `ruby cannot load the grpc gem: ${lastLine(error)}`;
  }
}

async function packageFiles(name: string): Promise<string[]> {
  try {
    const { stdout } = await run('dpkg', ['-L', name], { maxBuffer: 16 << 20 });
    return stdout.split('\n');
  } catch {
    return [];
  }
}

function lastLine(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr ? stderr.split('\n').at(-1)! : String(error);
}
