/** grpc's own default for received messages, applied here to sent messages too. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Size limits of single messages, on a server or a client. */
export interface MessageLimits {
  /** Largest message accepted (default 4 MiB); a larger one fails the call with RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes?: number;
  /** Largest message sent (default 4 MiB); a larger one fails the call with RESOURCE_EXHAUSTED. */
  readonly maxSendMessageBytes?: number;
}

/** The grpc-js options for the limits (`Infinity` = unlimited); errors name `where`. */
export function messageSizeOptions(limits: MessageLimits, where: string): Record<string, number> {
  return {
    'grpc.max_receive_message_length': bytes(limits.maxReceiveMessageBytes, `${where}: maxReceiveMessageBytes`),
    'grpc.max_send_message_length': bytes(limits.maxSendMessageBytes, `${where}: maxSendMessageBytes`),
  };
}

function bytes(value: number | undefined, what: string): number {
  if (value === undefined) return DEFAULT_MAX_MESSAGE_BYTES;
  if (value === Number.POSITIVE_INFINITY) return -1;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${what} must be a positive integer or Infinity, got ${value}`);
  }
  return value;
}
