import path from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type { Balancer } from 'switchboard';
import type { Endpoint, LoadReport } from 'switchboard/extend';
import { methodCodec } from '../src/schema/codec.js';
import {
  decodeOrcaReport,
  encodeOrcaReport,
  namedMetric,
  ORCA_TRAILER,
  readCallFigures,
  requestCost,
} from '../src/common/orca-load-report.js';
import { LoadReporter } from '../src/server/load-reporter.js';
import { Echo } from './gen/echo.js';
import { useEchoCluster } from './helpers/echo-cluster.js';

const orcaProto = path.resolve('proto/xds/data/orca/v3/orca_load_report.proto');

describe('ORCA load report codec', () => {
  const OrcaLoadReport = protobuf.loadSync(orcaProto).lookupType('xds.data.orca.v3.OrcaLoadReport');
  const report = {
    cpuUtilization: 0.25,
    memUtilization: 0.5,
    rpsFractional: 123.5,
    eps: 2,
    applicationUtilization: 0.75,
    requestCost: { bytes: 512, joined_queue: 2 },
    namedMetrics: { queue: 7, in_flight: 3 },
  };

  it('encodes what protobufjs decodes, with appended map entries merged into their maps', () => {
    const bytes = Buffer.concat([
      encodeOrcaReport({ ...report, requestCost: { bytes: 512 }, namedMetrics: { queue: 7 } }),
      namedMetric('in_flight', 3),
      requestCost('joined_queue', 2),
    ]);
    const decoded = OrcaLoadReport.toObject(OrcaLoadReport.decode(bytes));
    expect(decoded).toEqual(report);
  });

  it('decodes what protobufjs encodes, skipping fields it does not read', () => {
    const bytes = OrcaLoadReport.encode(
      OrcaLoadReport.fromObject({ ...report, rps: 9, utilization: { disk: 0.1 } }),
    ).finish();
    expect(decodeOrcaReport(bytes)).toEqual(report);
  });

  it("reads a node's per-call figures in place, and only from a report that ends with them", () => {
    const reporter = new LoadReporter(60_000);
    reporter.setAppLoad({ utilization: 0.5, named: { queue: 2 } });
    const trailer = reporter.trailer(7, 3);
    reporter.close();
    expect(readCallFigures(trailer)).toEqual({ inFlight: 7, joined: 3 });
    const decoded = decodeOrcaReport(trailer);
    expect(decoded.namedMetrics).toEqual({ queue: 2, in_flight: 7 });
    expect(decoded.requestCost).toEqual({ joined_queue: 3 });
    // A foreign report, or one whose last entries are other keys, goes to the full decoder.
    expect(
      readCallFigures(Buffer.from(OrcaLoadReport.encode(OrcaLoadReport.fromObject(report)).finish())),
    ).toBeUndefined();
    const renamed = Buffer.from(trailer);
    renamed[renamed.length - 12] = 'X'.charCodeAt(0);
    expect(readCallFigures(renamed)).toBeUndefined();
    expect(readCallFigures(Buffer.alloc(3))).toBeUndefined();
  });

  it('refuses truncated bytes with a clear error', () => {
    const bytes = encodeOrcaReport(report).subarray(0, 5);
    expect(() => decodeOrcaReport(bytes)).toThrow('ORCA report: truncated field');
  });
});

describe('load reports between nodes and clients', () => {
  const cluster = useEchoCluster();

  it(
    'a node reports application load and its other in-flight calls in every response; ' +
      'balancers see it on the endpoint',
    async () => {
      const node = await cluster.startNode('n', { loadReport: { intervalMs: 50 } });
      node.server.reportLoad({ utilization: 0.6, named: { queue: 4 } });
      const seen: LoadReport[] = [];
      let ready: readonly Endpoint[] = [];
      const spy: Balancer = {
        name: 'spy',
        update: (endpoints) => {
          ready = endpoints;
        },
        pick: () => ready[0],
        onCallEnd: (endpoint) => {
          if (endpoint.load !== undefined) seen.push({ ...endpoint.load });
        },
      };
      const client = cluster.client({ balancer: spy });
      await Promise.all([client.unary({ text: 'slow', delayMs: 300 }), client.unary({ text: 'fast', delayMs: 20 })]);
      // The fast call ends while the slow one runs: the node counts it, and so does the client.
      expect(seen.map((load) => load.inFlight)).toEqual([1, 0]);
      expect(seen.map((load) => load.ownInFlight)).toEqual([1, 0]);
      expect(seen[0]).toMatchObject({ utilization: 0.6, named: { queue: 4 } });
      expect(node.server.load()).toMatchObject({ utilization: 0.6, named: { queue: 4 } });
    },
  );

  it("keeps the endpoint's report current in place and hands out copies in stats()", async () => {
    await cluster.startNode('n');
    const client = cluster.client();
    await client.unary({ text: 'a' });
    const first = client.stats().endpoints[0]!.load!;
    const before = { ...first };
    // The next response comes within the 20 ms in which only its per-call figures are read.
    await client.unary({ text: 'b' });
    const second = client.stats().endpoints[0]!.load!;
    expect(first).toEqual(before);
    expect(second).not.toBe(first);
    expect(second.receivedAt).toBeGreaterThan(first.receivedAt);
  });

  it('sends the report in the trailer that grpc-js clients read, unless the node turns reports off', async () => {
    await cluster.startNode('on');
    await cluster.startNode('off', { loadReport: false });
    const trailerOf = (address: string) =>
      new Promise<unknown[]>((resolve, reject) => {
        const raw = new grpc.Client(address, grpc.credentials.createInsecure());
        const codec = methodCodec(Echo, Echo.methods.unary);
        const call = raw.makeUnaryRequest(
          Echo.methods.unary.path,
          codec.serializeRequest,
          codec.deserializeResponse,
          { text: 'x' },
          (error) => {
            if (error) reject(error);
          },
        );
        call.on('status', (status: grpc.StatusObject) => {
          raw.close();
          resolve(status.metadata.get(ORCA_TRAILER));
        });
      });
    const [on, off] = await Promise.all(cluster.addresses.map(trailerOf));
    expect(on).toHaveLength(1);
    const report = decodeOrcaReport(on![0] as Buffer);
    expect(report.namedMetrics).toEqual({ in_flight: 0 });
    expect(report.requestCost).toEqual({ joined_queue: 1 });
    expect(off).toEqual([]);
  });
});
