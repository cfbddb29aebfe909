export { Metrics, renderPrometheus } from './metrics.js';
export { OtlpExporter, otlpConfigFromEnv } from './otlp.js';
