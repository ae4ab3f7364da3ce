import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../schema/loader-options.js';

const GREETER_PROTO = fileURLToPath(new URL('../../proto/demo/greeter.proto', import.meta.url));

interface HelloReply {
  message: string;
  nodeId: string;
}

/** A plain grpc-js Greeter client, as a user writes one today: proto-loader + a built-in policy. */
interface PlainGreeterClient {
  sayHello(name: string, deadlineMs: number): Promise<HelloReply>;
  close(): void;
}

/**
 * The baseline Switchboard is compared with: one grpc-js channel over all addresses with
 * grpc-js' own load-balancing policy (e.g. `round_robin`, or `weighted_round_robin` with
 * its `config`), loaded with proto-loader.
 */
export function plainGreeterClient(
  addresses: readonly string[],
  policy = 'round_robin',
  config: object = {},
): PlainGreeterClient {
  const Greeter = plainGreeter();
  const client = new Greeter(`ipv4:${addresses.join(',')}`, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [policy]: config }] }),
  });
  const sayHello = client.sayHello as (
    request: object,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply: HelloReply) => void,
  ) => void;
  return {
    sayHello: (name, deadlineMs) =>
      new Promise((resolve, reject) =>
        sayHello.call(client, { name }, { deadline: Date.now() + deadlineMs }, (error, reply) =>
          error ? reject(error) : resolve(reply),
        ),
      ),
    close: () => client.close(),
  };
}

/**
 * demo.Greeter as plain grpc-js sees it, loaded with proto-loader: a client constructor, and
 * its `service` for `grpc.Server#addService`.
 */
export function plainGreeter(): grpc.ServiceClientConstructor {
  const demo = grpc.loadPackageDefinition(protoLoader.loadSync(GREETER_PROTO, LOADER_OPTIONS)).demo as grpc.GrpcObject;
  return demo.Greeter as grpc.ServiceClientConstructor;
}

/** Binds a plain grpc-js server to a free loopback port, in plaintext; returns its `host:port`. */
export async function listenOnLoopback(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return `127.0.0.1:${port}`;
}
