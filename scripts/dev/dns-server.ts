// A tiny authoritative DNS server on 127.0.0.1 (UDP) for the resolver tests and the discovery
// example: it answers A and SRV questions from a table the caller can change; unknown names
// get NXDOMAIN.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

/** Records by name; change them at any time. */
export interface DnsRecords {
  a: Record<string, string[]>;
  srv: Record<string, SrvRecord[]>;
}

const TYPE_A = 1;
const TYPE_SRV = 33;

/** A running test DNS server. */
export interface DnsServer {
  /** `127.0.0.1:<port>`, for `dns://<address>/...`. */
  readonly address: string;
  /** When (performance.now()) each A (IPv4 address) question for `name` came, in order. */
  aQuestions(name: string): readonly number[];
  /** Answers this much later (ms; default 0); change it at any time. */
  delayMs: number;
  close(): void;
}

/** Starts the server. */
export async function startDnsServer(records: DnsRecords): Promise<DnsServer> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const asked = new Map<string, number[]>();
  const countA = (name: string) => asked.set(name, [...(asked.get(name) ?? []), performance.now()]);
  // Replies still waiting out `delayMs`: a closed server sends none of them.
  const pending = new Set<NodeJS.Timeout>();
  const server: DnsServer = {
    address: `127.0.0.1:${socket.address().port}`,
    aQuestions: (name) => asked.get(name) ?? [],
    delayMs: 0,
    close: () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      socket.close();
    },
  };
  // No question can come before this: nobody knows the port yet.
  socket.on('message', (query, from) => {
    const reply = answer(query, records, countA);
    const timer = setTimeout(() => {
      pending.delete(timer);
      socket.send(reply, from.port, from.address);
    }, server.delayMs);
    pending.add(timer);
  });
  return server;
}

function answer(query: Buffer, records: DnsRecords, countA: (name: string) => void): Buffer {
  let offset = 12;
  const labels: string[] = [];
  while (query[offset]! > 0) {
    labels.push(query.subarray(offset + 1, offset + 1 + query[offset]!).toString());
    offset += query[offset]! + 1;
  }
  const type = query.readUInt16BE(offset + 1);
  const question = query.subarray(12, offset + 5);
  const name = labels.join('.').toLowerCase();
  if (type === TYPE_A) countA(name);
  const known = name in records.a || name in records.srv;
  const rdatas =
    type === TYPE_A
      ? (records.a[name] ?? []).map((ip) => Buffer.from(ip.split('.').map(Number)))
      : type === TYPE_SRV
        ? (records.srv[name] ?? []).map((r) =>
            Buffer.concat([u16(r.priority), u16(r.weight), u16(r.port), encodeName(r.target)]),
          )
        : [];
  const header = Buffer.concat([
    query.subarray(0, 2),
    u16(known ? 0x8400 : 0x8403),
    u16(1),
    u16(rdatas.length),
    u16(0),
    u16(0),
  ]);
  const answers = rdatas.map((rdata) =>
    Buffer.concat([u16(0xc00c), u16(type), u16(1), Buffer.from([0, 0, 0, 1]), u16(rdata.length), rdata]),
  );
  return Buffer.concat([header, question, ...answers]);
}

function encodeName(name: string): Buffer {
  return Buffer.concat([
    ...name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])),
    Buffer.from([0]),
  ]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}
