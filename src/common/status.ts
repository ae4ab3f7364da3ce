import { status as grpcStatus } from '@grpc/grpc-js';

/** gRPC status codes (the numeric values are the wire values). */
export const Status = grpcStatus;
export type Status = grpcStatus;

/** The canonical upper-case name of a status code, e.g. `UNAVAILABLE`. */
export function statusName(code: number): string {
  return grpcStatus[code] ?? `UNKNOWN_CODE_${code}`;
}
