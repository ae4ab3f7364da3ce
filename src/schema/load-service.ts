import protobuf from 'protobufjs';
import {
  bidiStream,
  clientStream,
  defineService,
  type MethodDescriptor,
  type ServiceDescriptor,
  serverStream,
  unary,
} from './descriptor.js';
import { describeMethods, type MethodKind } from './describe.js';
import { loadProtoRoot, type ProtoLoadOptions } from './proto-files.js';

/** A message of a service loaded at run time: fields are not known to the compiler. */
export type LooseMessage = Record<string, unknown>;

/** A service descriptor loaded at run time (typed loosely). */
export type LooseServiceDescriptor = ServiceDescriptor<Record<string, MethodDescriptor<LooseMessage, LooseMessage>>>;

const FACTORIES: Record<
  MethodKind,
  (def: Parameters<typeof unary>[0]) => MethodDescriptor<LooseMessage, LooseMessage>
> = {
  unary,
  serverStream,
  clientStream,
  bidiStream,
};

/**
 * Loads a service from .proto files at run time, for programs without a build step.
 * `serviceName` is fully qualified (`pkg.Service`). Prefer generated code where you can:
 * it gives exact types.
 */
export function loadService(
  files: string | readonly string[],
  serviceName: string,
  options: ProtoLoadOptions = {},
): LooseServiceDescriptor {
  const fileList = typeof files === 'string' ? [files] : files;
  return serviceOfRoot(loadProtoRoot(fileList, options), serviceName, fileList.join(', '));
}

/**
 * A service of a resolved protobufjs root (from .proto files or from reflection), with the
 * whole root as its schema; `origin` names where the root came from in the error.
 */
export function serviceOfRoot(root: protobuf.Root, serviceName: string, origin: string): LooseServiceDescriptor {
  const found = root.lookup(serviceName);
  if (!(found instanceof protobuf.Service)) {
    const known = listServices(root);
    const there = known.length > 0 ? ` (services there: ${known.join(', ')})` : '';
    throw new Error(`service ${serviceName} is not defined in ${origin}${there}`);
  }
  const methods: Record<string, MethodDescriptor<LooseMessage, LooseMessage>> = {};
  for (const info of describeMethods(found)) methods[info.localName] = FACTORIES[info.kind](info.definition);
  return defineService({ name: serviceName, methods, schema: root.toJSON() });
}

/** Fully qualified names of every service under a namespace. */
function listServices(namespace: protobuf.NamespaceBase): string[] {
  const names: string[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Service) names.push(nested.fullName.slice(1));
    else if (nested instanceof protobuf.Namespace) names.push(...listServices(nested));
  }
  return names;
}
