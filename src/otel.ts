// `switchboard/otel`: the OpenTelemetry integration. Importing it loads `@opentelemetry/api`
// (an optional peer dependency); the main entry point never does.

export { type OpenTelemetryOptions, openTelemetry } from './observability/otel/open-telemetry.js';
export type { Telemetry } from './observability/telemetry.js';
