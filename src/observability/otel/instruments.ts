import type { Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import { LATENCY_BUCKETS } from './otel-names.js';

/**
 * The metric instruments of one `openTelemetry()`, shared by its clients and nodes: gRFC
 * A66's per-attempt, per-call and server-call metrics (seconds), and the balancer's own
 * (picks and in-flight calls per endpoint). A66's message-size histograms are not
 * recorded: the sizes are not at hand without serializing twice.
 */
export interface Instruments {
  readonly attemptStarted: Counter;
  readonly attemptDuration: Histogram;
  readonly callDuration: Histogram;
  readonly serverCallStarted: Counter;
  readonly serverCallDuration: Histogram;
  readonly picks: Counter;
  readonly inFlight: ObservableGauge;
}

/** Creates the instruments on `meter`. */
export function createInstruments(meter: Meter): Instruments {
  const seconds = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: LATENCY_BUCKETS } });
  return {
    attemptStarted: meter.createCounter('grpc.client.attempt.started', {
      unit: '{attempt}',
      description: 'Client call attempts started.',
    }),
    attemptDuration: seconds('grpc.client.attempt.duration', 'Time from the start of an attempt to its status.'),
    callDuration: seconds('grpc.client.call.duration', 'Time a call took, all its attempts included.'),
    serverCallStarted: meter.createCounter('grpc.server.call.started', {
      unit: '{call}',
      description: 'Calls a node started handling.',
    }),
    serverCallDuration: seconds('grpc.server.call.duration', 'Time a node took on a call, its interceptors included.'),
    picks: meter.createCounter('switchboard.client.picks', {
      unit: '{pick}',
      description: 'Endpoints the balancer picked for attempts, by endpoint.',
    }),
    inFlight: meter.createObservableGauge('switchboard.client.endpoint.in_flight', {
      unit: '{call}',
      description: "This client's calls and streams in flight, by endpoint.",
    }),
  };
}
