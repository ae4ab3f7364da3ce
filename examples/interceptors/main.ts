// Interceptors (middleware) on both sides of a call: the client adds a bearer token and
// times its calls; the node logs every call, checks the token, and times its handlers.
//
//   npx tsx examples/interceptors/main.ts

import {
  type ClientInterceptor,
  createClient,
  createServer,
  RpcError,
  type ServerInterceptor,
  Status,
} from 'switchboard';
import { Greeter } from '../greeter/gen/greeter.js';

// --- node side -------------------------------------------------------------------------

/** Logs each call with its outcome. Outermost, so it also sees calls the auth check refuses. */
const logging: ServerInterceptor = async ({ method }, next) => {
  try {
    const result = await next();
    console.log(`[node] ${method.path} OK`);
    return result;
  } catch (error) {
    console.log(`[node] ${method.path} ${error instanceof RpcError ? error.codeName : 'INTERNAL'}`);
    throw error;
  }
};

/** Refuses calls without the right token, before any handler runs. */
const auth: ServerInterceptor = async ({ ctx }, next) => {
  const header = ctx.metadata.get('authorization')[0];
  if (header === undefined) throw new RpcError(Status.UNAUTHENTICATED, 'missing bearer token');
  if (header !== 'Bearer secret-token') throw new RpcError(Status.PERMISSION_DENIED, 'token not allowed');
  return next();
};

/** Refuses calls that could run forever: every caller must set a deadline. */
const requireDeadline: ServerInterceptor = async ({ ctx }, next) => {
  if (ctx.deadline === undefined) throw new RpcError(Status.INVALID_ARGUMENT, 'calls to this node need a deadline');
  return next();
};

const server = createServer({ nodeId: 'node-a', interceptors: [logging, auth] }).use(requireDeadline);
server.add(Greeter, { sayHello: async (req) => ({ message: `hello ${req.name}`, nodeId: 'node-a' }) });
const { address } = await server.listen('127.0.0.1:0');

// --- client side -----------------------------------------------------------------------

/** Adds the token to every call (a per-call `metadata.authorization` would win). */
const bearer =
  (token: string): ClientInterceptor =>
  async (call, next) => {
    if (call.metadata.get('authorization').length === 0) call.metadata.set('authorization', `Bearer ${token}`);
    return next();
  };

/** Counts calls and failures per method, on the caller's side. */
const counts = new Map<string, { calls: number; failed: number }>();
const counting: ClientInterceptor = async ({ method }, next) => {
  const entry = counts.get(method.name) ?? { calls: 0, failed: 0 };
  counts.set(method.name, entry);
  entry.calls++;
  try {
    return await next();
  } catch (error) {
    entry.failed++;
    throw error;
  }
};

const client = createClient(Greeter, {
  endpoints: [address],
  deadlineMs: 2000,
  interceptors: [counting, bearer('secret-token')],
});
console.log((await client.sayHello({ name: 'ada' })).message);

const denied = await client
  .sayHello({ name: 'eve' }, { metadata: { authorization: 'Bearer stolen' } })
  .catch((e: RpcError) => e);
console.log(`with a stolen token: ${(denied as RpcError).codeName}`);

const anonymous = createClient(Greeter, { endpoints: [address], deadlineMs: 2000, interceptors: [counting] });
const refused = await anonymous.sayHello({ name: 'mallory' }).catch((e: RpcError) => e);
console.log(`without a token: ${(refused as RpcError).codeName}: ${(refused as RpcError).details}`);

const noDeadline = await client
  .sayHello({ name: 'zeno' }, { deadlineMs: Number.POSITIVE_INFINITY })
  .catch((e: RpcError) => e);
console.log(`without a deadline: ${(noDeadline as RpcError).codeName}: ${(noDeadline as RpcError).details}`);

console.log(`client counts: ${JSON.stringify(Object.fromEntries(counts))}`);
await client.close();
await anonymous.close();
await server.shutdown({ graceMs: 1000 });
