// Compiled by test/schema/types.test.ts (`tsc --noEmit`), never run. Every
// `@ts-expect-error` must meet an error, so each one proves a mistake is caught.
import type { Client, DeepPartial, Handlers } from 'switchboard';
import type { Kitchen, Order, OrderRef, OrderSummary } from '../gen/kitchen.js';

declare const client: Client<typeof Kitchen>;
declare const orders: AsyncIterable<DeepPartial<Order>>;

export async function calls(): Promise<void> {
  const ref: OrderRef = await client.place({ id: '1', items: [{ name: 'soup' }], payment: 'cardToken' });
  const id: string = ref.id;
  const found: Order = await client.get({ id }, { deadlineMs: 100, key: 'user-1' });
  const placedAt: { seconds: string } | null = found.placedAt;
  for await (const open of client.listOpen({})) {
    const state: 'STATE_UNSPECIFIED' | 'STATE_OPEN' | 'STATE_DONE' = open.state;
    const note: string | undefined = open.note;
    void [state, note];
  }
  const summary: OrderSummary = await client.placeMany([{ id: '1' }, { customerName: 'Ada' }]);
  for await (const tracked of client.track(orders)) void tracked.id;
  void [placedAt, summary];

  // @ts-expect-error unknown method
  await client.cancel({ id: '1' });
  // @ts-expect-error a 64-bit integer is a decimal string, not a number
  await client.get({ id: 1 });
  // @ts-expect-error enums are their names
  await client.place({ priority: 'PRIORITY_URGENT' });
  // @ts-expect-error unknown field in a request literal
  await client.get({ id: '1', orderId: '1' });
  // @ts-expect-error a client stream takes an iterable of requests, not one request
  await client.placeMany({ id: '1' });
  // @ts-expect-error a unary call is not iterable
  for await (const _ of client.get({ id: '1' })) void _;
  // @ts-expect-error a map holds strings for int64 values
  await client.place({ counters: { soup: 3 } });
}

export const handlers: Handlers<typeof Kitchen> = {
  async place(order) {
    const name: string = order.customerName;
    return { id: name.length > 0 ? '1' : '2' };
  },
  get: (ref) => ({ id: ref.id, items: [{ name: 'soup', garnishes: [{ onSide: true }] }] }),
  async *listOpen() {
    yield { id: '1', state: 'STATE_OPEN' };
  },
  async placeMany(stream) {
    let count = 0;
    for await (const order of stream) count += order.items.length;
    return { count, total: { currency: 'EUR', micros: '0' } };
  },
  async *track(stream) {
    for await (const order of stream) yield { id: order.id };
  },
};

// @ts-expect-error a unary handler must answer with the response type
export const wrongUnaryResult: Handlers<typeof Kitchen>['place'] = async () => ({ id: 1 });

// @ts-expect-error a server-streaming handler returns an async iterable, not a promise
export const notAStream: Handlers<typeof Kitchen>['listOpen'] = async () => ({ id: '1' });

export const extraHandler: Handlers<typeof Kitchen> = {
  ...handlers,
  // @ts-expect-error no such method
  cancel: async () => ({}),
};
