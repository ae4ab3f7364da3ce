import type * as grpc from '@grpc/grpc-js';
import { Status } from '../common/status.js';
import { methodCodec } from '../schema/codec.js';
import type { ServiceDescriptor } from '../schema/descriptor.js';
import { adaptHandler, type CallHooks, type UntypedHandler } from './handler-adapter.js';

/**
 * Adds a service to a grpc-js server: one method definition per method of the descriptor
 * (its codec doing the encoding and the type checks), each handler adapted to grpc-js'
 * call shapes with `hooks` around it; a method without a handler answers UNIMPLEMENTED.
 * Handlers that are not methods of the service, or not functions, are refused by name.
 */
export function bindService(
  grpcServer: grpc.Server,
  service: ServiceDescriptor,
  handlers: object,
  hooks: CallHooks,
): void {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  const given = handlers as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!(name in service.methods)) {
      throw new Error(
        `handler ${name} is not a method of ${service.name} (methods: ${Object.keys(service.methods).join(', ')})`,
      );
    }
  }
  for (const [name, method] of Object.entries(service.methods)) {
    const codec = methodCodec(service, method);
    definition[name] = {
      path: method.path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: codec.serializeRequest,
      requestDeserialize: codec.deserializeRequest,
      responseSerialize: codec.serializeResponse,
      responseDeserialize: codec.deserializeResponse,
      originalName: name,
    };
    const handler = given[name];
    if (handler === undefined) {
      implementation[name] = unimplemented(method.path);
    } else if (typeof handler === 'function') {
      implementation[name] = adaptHandler(method, codec, handler.bind(handlers) as UntypedHandler, hooks);
    } else {
      throw new TypeError(`handler ${name} of ${service.name} must be a function, got ${typeof handler}`);
    }
  }
  grpcServer.addService(definition, implementation);
}

function unimplemented(path: string): grpc.UntypedHandleCall {
  const status = { code: Status.UNIMPLEMENTED, details: `method ${path} has no handler on this node` };
  return (call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
    if (callback) callback(status);
    else call.emit('error', status);
  };
}
