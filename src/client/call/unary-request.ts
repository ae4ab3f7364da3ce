import type * as grpc from '@grpc/grpc-js';
import type { MethodCodec } from '../../schema/codec.js';
import type { ClientEndpoint } from '../endpoints/client-endpoint.js';
import type { CallState } from './call-state.js';

/** grpc-js' answer to a unary attempt, held until the attempt's status (with the trailers) arrives. */
export interface UnaryAnswer {
  answered: boolean;
  error: grpc.ServiceError | null;
  response: unknown;
}

/**
 * Sends the next attempt of a unary `call` to `endpoint` (its deadline and metadata from
 * `call.startAttempt()`); grpc-js' callback fills `answer`. Throws what grpc-js throws.
 */
export function sendUnaryRequest(
  endpoint: ClientEndpoint,
  call: CallState,
  codec: MethodCodec,
  request: unknown,
  answer: UnaryAnswer,
): grpc.ClientUnaryCall {
  const next = call.startAttempt();
  return endpoint.grpcClient.makeUnaryRequest(
    call.path,
    codec.serializeRequest,
    codec.deserializeResponse,
    request,
    next.metadata,
    next.options,
    (error, response) => {
      answer.answered = true;
      answer.error = error;
      answer.response = response;
    },
  );
}
