import { setTimeout as sleep } from 'node:timers/promises';
import { type CallContext, createServer, RpcError, type Server, type ServerOptions, type Status } from 'switchboard';
import { Echo, type EchoRequest } from '../gen/echo.js';

/** A running Echo node of a test. */
export interface EchoNode {
  readonly id: string;
  readonly address: string;
  readonly server: Server;
  /** Aborted call signals seen by this node's handlers (for cancellation tests). */
  readonly aborted: string[];
}

/** Per-node behaviour knobs. */
export interface EchoNodeOptions extends Partial<ServerOptions> {
  /** Every call waits this long before answering (on top of the request's delay). */
  readonly serviceMs?: number;
  /** Every unary call fails with this code. */
  readonly failWith?: Status;
  /** Port to listen on (default 0: any free port). */
  readonly listenPort?: number;
  /** Loopback address to listen on (default 127.0.0.1). */
  readonly listenHost?: string;
}

/** Starts an Echo node on 127.0.0.1:0 (or `listenHost`:`listenPort`). */
export async function startEchoNode(id: string, options: EchoNodeOptions = {}): Promise<EchoNode> {
  const aborted: string[] = [];
  const server = createServer({ nodeId: id, onHandlerError: () => {}, ...options });
  const wait = async (req: EchoRequest, ctx: CallContext) => {
    ctx.signal.addEventListener('abort', () => aborted.push(req.text), { once: true });
    const ms = (options.serviceMs ?? 0) + req.delayMs;
    if (ms > 0) await sleep(ms, undefined, { signal: ctx.signal }).catch(() => {});
    if (options.failWith !== undefined) throw new RpcError(options.failWith, `${id} is failing`);
    if (req.failCode !== 0) throw new RpcError(req.failCode, `asked to fail by ${req.text}`, { 'x-failed-by': id });
  };
  server.add(Echo, {
    async unary(req, ctx) {
      await wait(req, ctx);
      if (req.text === 'throw') throw new Error('secret internal detail');
      if (req.text === 'deadline') return { text: String(ctx.deadline?.getTime()), nodeId: id };
      const user = ctx.metadata.get('x-user')[0];
      return { text: user === undefined ? req.text : `${req.text} for ${user}`, nodeId: id };
    },
    async write(req, ctx) {
      await wait(req, ctx);
      return { text: req.text, nodeId: id };
    },
    async *serverStream(req, ctx) {
      for (let index = 0; index < req.count; index++) {
        await wait(req, ctx);
        yield { text: req.text, nodeId: id, index };
      }
    },
    async clientStream(requests) {
      const texts: string[] = [];
      for await (const req of requests) texts.push(req.text);
      return { text: texts.join(','), nodeId: id, index: texts.length };
    },
    async *bidi(requests, ctx) {
      let index = 0;
      for await (const req of requests) {
        await wait(req, ctx);
        yield { text: req.text.toUpperCase(), nodeId: id, index: index++ };
      }
    },
  });
  const { address } = await server.listen(`${options.listenHost ?? '127.0.0.1'}:${options.listenPort ?? 0}`);
  return { id, address, server, aborted };
}

/** Shuts nodes down at once (grace 0). */
export async function stopAll(nodes: readonly EchoNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.server.shutdown({ graceMs: 0 })));
}

/** Counts values by key. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
