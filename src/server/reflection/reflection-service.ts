import { Status } from '../../common/status.js';
import {
  ServerReflection as ReflectionV1,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '../../gen/grpc/reflection/v1/reflection.js';
import { ServerReflection as ReflectionV1alpha } from '../../gen/grpc/reflection/v1alpha/reflection.js';
import type { ServiceDescriptor } from '../../schema/descriptor.js';
import type { DeepPartial } from '../../schema/types.js';
import type { Handlers } from '../handler-types.js';
import { type DescriptorPool, describeServices } from './file-descriptors.js';

type Response = DeepPartial<ServerReflectionResponse>;

/**
 * Server reflection (grpc/reflection/v1 and the older v1alpha, which grpcurl and grpc-go's
 * clients still try) over the services of one node: the node adds every service it
 * registers; the files are built when first asked for, after the last `add`.
 */
export class ServerReflection {
  /** The two reflection services; both are answered by `handlers`. */
  readonly services: readonly ServiceDescriptor[] = [ReflectionV1, ReflectionV1alpha];
  private readonly added: ServiceDescriptor[] = [];
  private pool: DescriptorPool | undefined;

  /** Adds a service to what reflection lists and describes. */
  add(service: ServiceDescriptor): void {
    this.added.push(service);
    this.pool = undefined;
  }

  /** Handlers of `ServerReflectionInfo`: one response per request, in order. */
  handlers(): Handlers<typeof ReflectionV1> {
    const files = () => this.files();
    return {
      async *serverReflectionInfo(requests) {
        // Files already sent on this stream are not sent again as dependencies (the spec allows it).
        const sent = new Set<string>();
        for await (const request of requests) yield answer(files(), request, sent);
      },
    };
  }

  private files(): DescriptorPool {
    this.pool ??= describeServices(this.added);
    return this.pool;
  }
}

function answer(pool: DescriptorPool, request: ServerReflectionRequest, sent: Set<string>): Response {
  const base = { validHost: request.host, originalRequest: request };
  const files = (name: string | undefined, missing: string): Response => {
    const found = name === undefined ? undefined : pool.fileWithDependencies(name);
    if (found === undefined) return { ...base, errorResponse: { errorCode: Status.NOT_FOUND, errorMessage: missing } };
    const [file, ...dependencies] = found;
    const unsent = dependencies.filter((dependency) => !sent.has(dependency.name));
    for (const each of found) sent.add(each.name);
    return { ...base, fileDescriptorResponse: { fileDescriptorProto: [file!, ...unsent].map((f) => f.bytes) } };
  };
  switch (request.messageRequest) {
    case 'listServices':
      return { ...base, listServicesResponse: { service: pool.services.map((name) => ({ name })) } };
    case 'fileByFilename':
      return files(request.fileByFilename, `file not found: ${request.fileByFilename}`);
    case 'fileContainingSymbol':
      return files(
        pool.fileOfSymbol(request.fileContainingSymbol ?? ''),
        `symbol not found: ${request.fileContainingSymbol}`,
      );
    case 'fileContainingExtension': {
      const { containingType = '', extensionNumber = 0 } = request.fileContainingExtension ?? {};
      return files(
        pool.fileOfExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of ${containingType} not found`,
      );
    }
    case 'allExtensionNumbersOfType': {
      const type = request.allExtensionNumbersOfType ?? '';
      const numbers = pool.extensionNumbers(type);
      if (numbers === undefined) {
        return { ...base, errorResponse: { errorCode: Status.NOT_FOUND, errorMessage: `type not found: ${type}` } };
      }
      return { ...base, allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: numbers } };
    }
    default:
      return {
        ...base,
        errorResponse: { errorCode: Status.INVALID_ARGUMENT, errorMessage: 'the request sets no message_request' },
      };
  }
}
