/**
 * Operational metrics of the core (CloudWatch EMF through Powertools in Lambda: shared/adapters/emf-metrics.ts).
 * The core only counts; where the numbers go is the adapter's business. No personal data in names or dimensions.
 */
export type MetricName =
  | "TicketsCreated" // dims: channel
  | "TicketsRouted" // dims: channel — reached a department at intake
  | "TicketsTriaged" // dims: channel — sent to the dispatchers' triage queue at intake
  | "DeliveryRetries" // the sweeper sent a ticket the outbox had not delivered
  | "DeliveryFailures" // a send failed (the ticket stays dispatch-pending)
  | "DeadLetters"; // tickets offered again from a dead-letter queue

export interface Metrics {
  count(name: MetricName, dimensions?: Record<string, string>, value?: number): void;
}

export const noMetrics: Metrics = { count() {} };
