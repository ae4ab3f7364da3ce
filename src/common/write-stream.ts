import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes `messages` into `stream` as it takes them: after a write that fills its buffer it
 * waits for `drain`. Stops as soon as `stop` aborts or the stream is destroyed or ended (a
 * cancelled call, a peer that answered early). Returns whether every message was written.
 */
export async function writeStream(
  stream: Writable,
  messages: AsyncIterable<unknown> | Iterable<unknown>,
  stop: AbortSignal,
  encode: (message: unknown) => unknown = (message) => message,
): Promise<boolean> {
  for await (const message of messages) {
    if (stop.aborted || stream.destroyed || stream.writableEnded) return false;
    if (!stream.write(encode(message))) {
      try {
        await once(stream, 'drain', { signal: stop });
      } catch {
        return false;
      }
    }
  }
  return !stop.aborted;
}
