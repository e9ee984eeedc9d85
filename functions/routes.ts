/**
 * Every HTTP route and the handler file that serves it. The local server and infra/ both read this table, so
 * the functions served locally are the ones deployed.
 */
export const HTTP_ROUTES = [
  { method: "GET", path: "/health", name: "health", entry: "functions/health.ts" },
  { method: "POST", path: "/v1/tickets", name: "tickets-create", entry: "functions/tickets-create.ts" },
  { method: "GET", path: "/v1/tickets", name: "tickets-list", entry: "functions/tickets-list.ts" },
  { method: "GET", path: "/v1/tickets/{id}", name: "tickets-get", entry: "functions/tickets-get.ts" },
  {
    method: "POST",
    path: "/v1/tickets/{id}/actions",
    name: "ticket-actions",
    entry: "functions/ticket-actions.ts",
  },
  {
    method: "GET",
    path: "/v1/departments/{dept}/inbox",
    name: "department-inbox",
    entry: "functions/department-inbox.ts",
  },
] as const;

/** Functions started by schedules rather than HTTP. */
export const SCHEDULED_FUNCTIONS = [
  {
    name: "sweeper",
    entry: "functions/sweeper.ts",
    everyMinutes: 1,
    purpose: "re-send dispatch-pending tickets",
  },
] as const;

/** Functions fed by the ticket table's stream (DynamoDB Streams event source). */
export const STREAM_FUNCTIONS = [
  {
    name: "outbox",
    entry: "functions/outbox.ts",
    purpose: "send tickets written dispatch-pending to their department or triage queue",
  },
] as const;

export type HttpRouteName = (typeof HTTP_ROUTES)[number]["name"];
