import { MetricUnit, Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import type { Metrics } from "../metrics.js";

/**
 * Metrics as CloudWatch Embedded Metric Format lines on stdout (Powertools for AWS Lambda), which Lambda's log
 * pipeline turns into CloudWatch metrics with no API call. Each count is its own EMF record (a single metric with
 * its dimensions), so nothing waits for a flush at the end of an invocation.
 */
export function createEmfMetrics(opts: { namespace: string; service: string }): Metrics {
  const metrics = new PowertoolsMetrics({ namespace: opts.namespace, serviceName: opts.service });
  return {
    count(name, dimensions = {}, value = 1) {
      const single = metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}
