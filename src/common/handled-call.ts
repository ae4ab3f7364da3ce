import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The incoming call a handler is serving, as the clients it calls see it: they inherit its
 * deadline and its cancellation (client/call/inherited-deadline.ts), as grpc-go and
 * grpc-java do through their Context. It is carried by AsyncLocalStorage, so it holds
 * through every `await`, timer and stream callback of the handler without being passed.
 */
export interface HandledCall {
  /** Full method path of the call being handled, e.g. `/demo.Greeter/SayHello`. */
  readonly path: string;
  /** The caller's deadline, if it set one. */
  readonly deadline: Date | undefined;
  /** Aborts when the caller cancels or its deadline passes. */
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<HandledCall>();

/**
 * Whether a client that inherits has been created in this process. Until one is, handlers
 * run outside any context: on Node 20 the first `run` turns on async_hooks' promise hooks
 * for the whole process, which cost a node with trivial handlers about 12% of its
 * throughput (bench/README.md), a price only a node that calls on should pay.
 */
let clientsInherit = false;

/** Called by each client whose calls inherit: from now on, handlers run in their call's context. */
export function expectHandledCalls(): void {
  clientsInherit = true;
}

/**
 * Runs `serve(...args)` with `call` as the handled call of everything it starts (one
 * `run` per call), once a client that inherits exists.
 */
export function runHandling<A extends unknown[], R>(call: HandledCall, serve: (...args: A) => R, ...args: A): R {
  return clientsInherit ? storage.run(call, serve, ...args) : serve(...args);
}

/** The call being handled where this runs, or undefined outside any handler. */
export function handledCall(): HandledCall | undefined {
  return storage.getStore();
}
