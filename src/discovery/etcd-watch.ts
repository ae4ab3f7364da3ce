// The client side of the etcd registry: list a service's prefix, then watch it from the
// next revision. Any watch failure (etcd away, compaction, a cancelled watch) starts over
// with a fresh list; while etcd cannot be reached nothing is delivered, so the client
// keeps the last list it had.
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { Backoff } from './backoff.js';
import type { Member } from './registry.js';
import type { Unsubscribe } from './resolver.js';

/** Where and how to watch one service. */
interface WatchTarget {
  /** `/<prefix>/<service>/`: each key below it is one node. */
  readonly prefix: string;
  readonly onChange: (members: readonly Member[]) => void;
  readonly onError: (error: Error) => void;
}

/** Follows the members under `target.prefix` until unsubscribed. */
export function watchMembers(etcd: Etcd3, target: WatchTarget): Unsubscribe {
  const members = new Map<string, Member>();
  const backoff = new Backoff();
  let stopped = false;
  let watcher: Watcher | undefined;
  let wake: (() => void) | undefined;

  const deliver = () => {
    if (!stopped) target.onChange([...members.values()].sort((a, b) => a.id.localeCompare(b.id)));
  };
  const apply = (kv: IKeyValue, deleted: boolean) => {
    const key = kv.key.toString();
    const member = deleted ? undefined : parseMember(key, kv.value.toString());
    if (member === undefined) members.delete(key);
    else members.set(key, member);
  };

  /** Resolves with the revision the list was read at. */
  const list = async (): Promise<number> => {
    const response = await etcd.getAll().prefix(target.prefix).exec();
    members.clear();
    for (const kv of response.kvs) apply(kv, false);
    deliver();
    return Number(response.header.revision);
  };

  /** Rejects when the watch stops for any reason. */
  const watch = (fromRevision: number) =>
    new Promise<never>((_, reject) => {
      const current = etcd.watch().prefix(target.prefix).startRevision(String(fromRevision)).watcher();
      watcher = current;
      current.on('data', (response) => {
        for (const event of response.events) apply(event.kv, event.type === 'Delete');
        if (response.events.length > 0) deliver();
      });
      const fail = (error: Error) => {
        current.removeAllListeners();
        current.on('error', () => {});
        current.cancel().catch(() => {});
        reject(error);
      };
      current.on('disconnected', (error) => fail(error));
      current.on('error', (error) => fail(error));
      current.on('end', () => fail(new Error('etcd ended the watch')));
    });

  const run = async () => {
    while (!stopped) {
      try {
        const revision = await list();
        backoff.reset();
        await watch(revision + 1);
      } catch (error) {
        if (stopped) return;
        target.onError(error instanceof Error ? error : new Error(String(error)));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff.delay());
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  };
  void run();

  return () => {
    stopped = true;
    wake?.();
    watcher?.removeAllListeners();
    watcher?.on('error', () => {});
    watcher?.cancel().catch(() => {});
  };
}

/** A node from its key (`.../<nodeId>`) and JSON value; undefined if the value is not one. */
export function parseMember(key: string, value: string): Member | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<Member>;
    if (typeof parsed.address !== 'string') return undefined;
    return {
      id: key.slice(key.lastIndexOf('/') + 1),
      address: parsed.address,
      weight: typeof parsed.weight === 'number' && parsed.weight > 0 ? parsed.weight : 1,
      zone: typeof parsed.zone === 'string' ? parsed.zone : '',
      labels: typeof parsed.labels === 'object' && parsed.labels !== null ? parsed.labels : {},
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
    };
  } catch {
    return undefined;
  }
}
