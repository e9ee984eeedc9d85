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
  // The closure loop (回访): operators' callback list, public rating links and their page.
  { method: "GET", path: "/v1/callbacks", name: "callbacks-list", entry: "functions/callbacks-list.ts" },
  {
    method: "POST",
    path: "/v1/callbacks/{id}/result",
    name: "callbacks-result",
    entry: "functions/callbacks-result.ts",
  },
  {
    method: "GET",
    path: "/v1/public/ratings/{token}",
    name: "public-ratings-get",
    entry: "functions/public-ratings-get.ts",
  },
  {
    method: "POST",
    path: "/v1/public/ratings/{token}",
    name: "public-ratings-post",
    entry: "functions/public-ratings-post.ts",
  },
  { method: "GET", path: "/rate/{token}", name: "rate-page", entry: "functions/rate-page.ts" },
  // Public routes of the web form (no key, rate-limited per client; throttled in API Gateway too).
  {
    method: "GET",
    path: "/v1/public/config",
    name: "public-config",
    entry: "functions/public-config.ts",
    public: true,
  },
  {
    method: "POST",
    path: "/v1/public/uploads",
    name: "public-uploads",
    entry: "functions/public-uploads.ts",
    public: true,
  },
  {
    method: "POST",
    path: "/v1/public/reports",
    name: "public-reports-create",
    entry: "functions/public-reports-create.ts",
    public: true,
  },
  {
    method: "GET",
    path: "/v1/public/tickets/{ticketNo}",
    name: "public-ticket-get",
    entry: "functions/public-ticket-get.ts",
    public: true,
  },
  // Grid workers (网格员) and the dispatchers' daily view of their grids.
  {
    method: "POST",
    path: "/v1/patrols/reports",
    name: "patrols-report",
    entry: "functions/patrols-report.ts",
  },
  {
    method: "POST",
    path: "/v1/patrols/zero-report",
    name: "patrols-zero-report",
    entry: "functions/patrols-zero-report.ts",
  },
  { method: "GET", path: "/v1/patrols/mine", name: "patrols-mine", entry: "functions/patrols-mine.ts" },
  { method: "GET", path: "/v1/patrols/daily", name: "patrols-daily", entry: "functions/patrols-daily.ts" },
  // Open311 GeoReport v2 (XML and JSON; reads public, posts with the client application's api_key).
  {
    method: "GET",
    path: "/open311/v2/{resource}",
    name: "open311-get",
    entry: "functions/open311-get.ts",
    public: true,
  },
  {
    method: "GET",
    path: "/open311/v2/{collection}/{item}",
    name: "open311-get-item",
    entry: "functions/open311-get-item.ts",
    public: true,
  },
  {
    method: "POST",
    path: "/open311/v2/{resource}",
    name: "open311-post",
    entry: "functions/open311-post.ts",
    public: true,
  },
  {
    method: "POST",
    path: "/v1/channels/wechat/messages",
    name: "wechat-messages",
    entry: "functions/wechat-messages.ts",
  },
  {
    method: "GET",
    path: "/v1/channels/wechat/outbox",
    name: "wechat-outbox",
    entry: "functions/wechat-outbox.ts",
  },
  {
    method: "POST",
    path: "/v1/channels/wechat/outbox/ack",
    name: "wechat-outbox-ack",
    entry: "functions/wechat-outbox-ack.ts",
  },
  {
    method: "POST",
    path: "/v1/channels/wechat/uploads",
    name: "wechat-uploads",
    entry: "functions/wechat-uploads.ts",
  },
  {
    method: "GET",
    path: "/v1/channels/wechat-oa",
    name: "wechat-oa-verify",
    entry: "functions/wechat-oa-verify.ts",
  },
  { method: "POST", path: "/v1/channels/wechat-oa", name: "wechat-oa", entry: "functions/wechat-oa.ts" },
] as const;

/** Functions started by schedules rather than HTTP. */
export const SCHEDULED_FUNCTIONS = [
  {
    name: "sweeper",
    entry: "functions/sweeper.ts",
    everyMinutes: 1,
    purpose: "re-send dispatch-pending tickets; supervise deadlines; expire callbacks",
  },
] as const;

/** Functions started by an SQS queue (event source mapping, partial batch failures). */

/** Functions fed by the ticket table's stream (DynamoDB Streams event source). */
export const STREAM_FUNCTIONS = [
  {
    name: "outbox",
    entry: "functions/outbox.ts",
    purpose: "send tickets written dispatch-pending to their department or triage queue",
  },
] as const;

export type HttpRouteName = (typeof HTTP_ROUTES)[number]["name"];

/** Functions fed by an SQS event source (partial batch failures reported, records parsed with zod). */
export const QUEUE_CONSUMERS = [
  {
    name: "notifications",
    entry: "functions/notifications.ts",
    queue: "notification",
    batchSize: 10,
    purpose:
      "deliver notifications to residents through their channel (WeChat; SMS for web, hotline, Open311)",
  },
] as const;
