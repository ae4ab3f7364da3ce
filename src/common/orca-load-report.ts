/**
 * The ORCA load report (`xds.data.orca.v3.OrcaLoadReport`) as nodes send it in the
 * `endpoint-load-metrics-bin` trailer, encoded and decoded by hand: it is on every call's
 * path, and a handful of doubles and one map do not need a general protobuf codec. Field
 * numbers follow proto/xds/data/orca/v3/orca_load_report.proto; a test checks both ways
 * against protobufjs.
 */

/** The trailer key gRPC uses for per-call ORCA reports (gRFC A51). */
export const ORCA_TRAILER = 'endpoint-load-metrics-bin';

/** The named metric in which a Switchboard node reports its calls in flight. */
export const IN_FLIGHT = 'in_flight';

/**
 * The request cost in which a Switchboard node reports the calls in flight when this call
 * arrived, itself included: the queue it joined.
 */
export const JOINED_QUEUE = 'joined_queue';

/** The fields of a report that Switchboard sends and reads. */
interface OrcaReport {
  readonly cpuUtilization: number;
  readonly memUtilization: number;
  readonly rpsFractional: number;
  readonly eps: number;
  readonly applicationUtilization: number;
  /** Figures of the one request the report comes with. */
  readonly requestCost: Readonly<Record<string, number>>;
  readonly namedMetrics: Readonly<Record<string, number>>;
}

const CPU = 1;
const MEM = 2;
const REQUEST_COST = 4;
const RPS_FRACTIONAL = 6;
const EPS = 7;
const NAMED_METRICS = 8;
const APPLICATION_UTILIZATION = 9;
const FIXED64 = 1;
const LEN = 2;

/** Encodes the scalar fields and the maps (zero values are left out, as proto3 does). */
export function encodeOrcaReport(report: OrcaReport): Buffer {
  const parts: Buffer[] = [];
  for (const [field, value] of [
    [CPU, report.cpuUtilization],
    [MEM, report.memUtilization],
    [RPS_FRACTIONAL, report.rpsFractional],
    [EPS, report.eps],
    [APPLICATION_UTILIZATION, report.applicationUtilization],
  ] as const) {
    if (value !== 0) parts.push(doubleField(field, value));
  }
  for (const [name, value] of Object.entries(report.requestCost)) parts.push(requestCost(name, value));
  for (const [name, value] of Object.entries(report.namedMetrics)) parts.push(namedMetric(name, value));
  return Buffer.concat(parts);
}

/** One `named_metrics` map entry, to append to an encoded report (repeated entries merge). */
export function namedMetric(name: string, value: number): Buffer {
  return mapEntry(NAMED_METRICS, name, value);
}

/** One `request_cost` map entry, to append to an encoded report. */
export function requestCost(name: string, value: number): Buffer {
  return mapEntry(REQUEST_COST, name, value);
}

function mapEntry(field: number, name: string, value: number): Buffer {
  const key = Buffer.from(name, 'utf8');
  const entry = Buffer.concat([tag(1, LEN), varint(key.length), key, doubleField(2, value)]);
  return Buffer.concat([tag(field, LEN), varint(entry.length), entry]);
}

/** The in-flight entry and queue-joined entry a Switchboard node appends last, with 0 values. */
const CALL_FIGURES = Buffer.concat([namedMetric(IN_FLIGHT, 0), requestCost(JOINED_QUEUE, 0)]);
const IN_FLIGHT_END = namedMetric(IN_FLIGHT, 0).length;

/**
 * What a Switchboard node says of one call: its other calls in flight when it answered, and
 * the queue the call joined.
 */
interface CallFigures {
  readonly inFlight: number;
  readonly joined: number;
}

/**
 * `report` (an encoded report) with the per-call figures appended: one allocation, the two
 * entries copied from a template and their values written in place.
 */
export function appendCallFigures(report: Buffer, inFlight: number, joined: number): Buffer {
  const out = Buffer.allocUnsafe(report.length + CALL_FIGURES.length);
  report.copy(out, 0);
  CALL_FIGURES.copy(out, report.length);
  out.writeDoubleLE(inFlight, report.length + IN_FLIGHT_END - 8);
  out.writeDoubleLE(joined, out.length - 8);
  return out;
}

/**
 * The per-call figures a Switchboard node appends to every report (`appendCallFigures`),
 * read in place from the end of `bytes` (two doubles, no allocation but the result); undefined when the report
 * does not end with them.
 */
export function readCallFigures(bytes: Buffer): CallFigures | undefined {
  const start = bytes.length - CALL_FIGURES.length;
  if (
    start < 0 ||
    !matches(bytes, start, 0, IN_FLIGHT_END - 8) ||
    !matches(bytes, start, IN_FLIGHT_END, CALL_FIGURES.length - 8)
  ) {
    return undefined;
  }
  return { inFlight: bytes.readDoubleLE(start + IN_FLIGHT_END - 8), joined: bytes.readDoubleLE(bytes.length - 8) };
}

/**
 * Whether `bytes` from `start` hold CALL_FIGURES' bytes `from` to `to` (the entries' keys
 * and lengths, not their values).
 */
function matches(bytes: Buffer, start: number, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[start + i] !== CALL_FIGURES[i]) return false;
  return true;
}

/** Decodes a report; unknown fields are skipped; throws on malformed bytes. */
export function decodeOrcaReport(bytes: Uint8Array): OrcaReport {
  const reader = new Reader(bytes);
  const end = bytes.length;
  let cpuUtilization = 0;
  let memUtilization = 0;
  let rpsFractional = 0;
  let eps = 0;
  let applicationUtilization = 0;
  const requestCost: Record<string, number> = {};
  const namedMetrics: Record<string, number> = {};
  while (reader.offset < end) {
    const key = reader.varint(end);
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === FIXED64 && field === CPU) cpuUtilization = reader.double(end);
    else if (wire === FIXED64 && field === MEM) memUtilization = reader.double(end);
    else if (wire === FIXED64 && field === RPS_FRACTIONAL) rpsFractional = reader.double(end);
    else if (wire === FIXED64 && field === EPS) eps = reader.double(end);
    else if (wire === FIXED64 && field === APPLICATION_UTILIZATION) applicationUtilization = reader.double(end);
    else if (wire === LEN && field === NAMED_METRICS) reader.mapEntry(end, namedMetrics);
    else if (wire === LEN && field === REQUEST_COST) reader.mapEntry(end, requestCost);
    else reader.skip(wire, end);
  }
  return { cpuUtilization, memUtilization, rpsFractional, eps, applicationUtilization, requestCost, namedMetrics };
}

function tag(field: number, wire: number): Buffer {
  return varint((field << 3) | wire);
}

function doubleField(field: number, value: number): Buffer {
  const out = Buffer.alloc(9);
  out[0] = (field << 3) | FIXED64;
  out.writeDoubleLE(value, 1);
  return out;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** Reads fields in place (no copies: this runs on every response); `end` bounds the enclosing message. */
class Reader {
  offset = 0;
  private readonly buffer: Buffer;

  constructor(bytes: Uint8Array) {
    this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  varint(end: number): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= end) throw new RangeError('ORCA report: truncated varint');
      const byte = this.buffer[this.offset++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new RangeError('ORCA report: varint too long');
    }
  }

  double(end: number): number {
    this.need(8, end);
    const value = this.buffer.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  /** Reads a length prefix; returns where the field it announces ends. */
  lengthEnd(end: number): number {
    const length = this.varint(end);
    this.need(length, end);
    return this.offset + length;
  }

  /** One `map<string, double>` entry, into `map`. */
  mapEntry(end: number, map: Record<string, number>): void {
    const entryEnd = this.lengthEnd(end);
    let name = '';
    let value = 0;
    while (this.offset < entryEnd) {
      const entryKey = this.varint(entryEnd);
      if (entryKey === ((1 << 3) | LEN)) name = this.utf8(this.lengthEnd(entryEnd));
      else if (entryKey === ((2 << 3) | FIXED64)) value = this.double(entryEnd);
      else this.skip(entryKey & 7, entryEnd);
    }
    map[name] = value;
  }

  /** The UTF-8 text from here to `until`. */
  utf8(until: number): string {
    const text = this.buffer.toString('utf8', this.offset, until);
    this.offset = until;
    return text;
  }

  skip(wire: number, end: number): void {
    if (wire === 0) this.varint(end);
    else if (wire === LEN) this.offset = this.lengthEnd(end);
    else if (wire === FIXED64 || wire === 5) {
      const length = wire === FIXED64 ? 8 : 4;
      this.need(length, end);
      this.offset += length;
    } else throw new RangeError(`ORCA report: unsupported wire type ${wire}`);
  }

  private need(length: number, end: number): void {
    if (this.offset + length > end) throw new RangeError('ORCA report: truncated field');
  }
}
