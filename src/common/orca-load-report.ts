/**
 * The ORCA load report (`xds.data.orca.v3.OrcaLoadReport`) as nodes send it in the
 * `endpoint-load-metrics-bin` trailer, encoded and decoded by hand: it is on every call's
 * path, and a handful of doubles and one map do not need a general protobuf codec. Field
 * numbers follow proto/xds/data/orca/v3/orca_load_report.proto; a test checks both ways
 * against protobufjs.
 */

/** The trailer key gRPC uses for per-call ORCA reports (gRFC A51). */
export const ORCA_TRAILER = 'endpoint-load-metrics-bin';

/** The fields of a report that Switchboard sends and reads. */
export interface OrcaReport {
  readonly cpuUtilization: number;
  readonly memUtilization: number;
  readonly rpsFractional: number;
  readonly eps: number;
  readonly applicationUtilization: number;
  readonly namedMetrics: Readonly<Record<string, number>>;
}

const CPU = 1;
const MEM = 2;
const RPS_FRACTIONAL = 6;
const EPS = 7;
const NAMED_METRICS = 8;
const APPLICATION_UTILIZATION = 9;
const FIXED64 = 1;
const LEN = 2;

/** Encodes the scalar fields and the named metrics (zero values are left out, as proto3 does). */
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
  for (const [name, value] of Object.entries(report.namedMetrics)) parts.push(namedMetric(name, value));
  return Buffer.concat(parts);
}

/** One `named_metrics` map entry, to append to an encoded report (repeated entries merge). */
export function namedMetric(name: string, value: number): Buffer {
  const key = Buffer.from(name, 'utf8');
  const entry = Buffer.concat([tag(1, LEN), varint(key.length), key, doubleField(2, value)]);
  return Buffer.concat([tag(NAMED_METRICS, LEN), varint(entry.length), entry]);
}

/** Decodes a report; unknown fields are skipped; throws on malformed bytes. */
export function decodeOrcaReport(bytes: Uint8Array): OrcaReport {
  const reader = new Reader(bytes);
  const report = { cpuUtilization: 0, memUtilization: 0, rpsFractional: 0, eps: 0, applicationUtilization: 0 };
  const namedMetrics: Record<string, number> = {};
  while (!reader.done()) {
    const key = reader.varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === FIXED64 && field === CPU) report.cpuUtilization = reader.double();
    else if (wire === FIXED64 && field === MEM) report.memUtilization = reader.double();
    else if (wire === FIXED64 && field === RPS_FRACTIONAL) report.rpsFractional = reader.double();
    else if (wire === FIXED64 && field === EPS) report.eps = reader.double();
    else if (wire === FIXED64 && field === APPLICATION_UTILIZATION) report.applicationUtilization = reader.double();
    else if (wire === LEN && field === NAMED_METRICS) {
      const entry = new Reader(reader.bytes());
      let name = '';
      let value = 0;
      while (!entry.done()) {
        const entryKey = entry.varint();
        if (entryKey === ((1 << 3) | LEN)) name = Buffer.from(entry.bytes()).toString('utf8');
        else if (entryKey === ((2 << 3) | FIXED64)) value = entry.double();
        else entry.skip(entryKey & 7);
      }
      namedMetrics[name] = value;
    } else reader.skip(wire);
  }
  return { ...report, namedMetrics };
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

class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  done(): boolean {
    return this.offset >= this.buffer.length;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.buffer.length) throw new RangeError('ORCA report: truncated varint');
      const byte = this.buffer[this.offset++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new RangeError('ORCA report: varint too long');
    }
  }

  double(): number {
    this.need(8);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  bytes(): Uint8Array {
    const length = this.varint();
    this.need(length);
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === LEN) this.bytes();
    else if (wire === FIXED64 || wire === 5) this.advance(wire === FIXED64 ? 8 : 4);
    else throw new RangeError(`ORCA report: unsupported wire type ${wire}`);
  }

  private advance(length: number): void {
    this.need(length);
    this.offset += length;
  }

  private need(length: number): void {
    if (this.offset + length > this.buffer.length) throw new RangeError('ORCA report: truncated field');
  }
}
