import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a small HTTP endpoint (metrics, status page) listens, and how to stop it. */
export interface HttpEndpoint {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** `http://host:port/`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Where to listen: port 0 picks a free one; host defaults to loopback, so nothing is exposed by accident. */
export interface HttpListenOptions {
  readonly port?: number;
  readonly host?: string;
}

/** A GET handler: the body and its content type, or undefined for 404. */
type HttpRoute = (path: string) => Promise<{ readonly type: string; readonly body: string } | undefined>;

/** Serves `route` over plain HTTP; errors in the route answer 500 with the message. */
export async function listenHttp(route: HttpRoute, options: HttpListenOptions = {}): Promise<HttpEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    route(path).then(
      (found) => {
        if (found === undefined) response.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${path} here\n`);
        else response.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-store' }).end(found.body);
      },
      (error: unknown) => {
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
