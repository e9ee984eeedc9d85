/**
 * Every route of functions/routes.ts × every principal, from one table: anonymous, each role, department A (the
 * ticket's) and B (another), each gateway channel, a grid worker and a revoked key. A route without a row fails
 * this test, so a new route cannot be forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_ROUTES, type HttpRouteName } from "../../functions/routes.js";
import { issueApiKey, revokeApiKey } from "../../shared/services/auth.js";
import { report, startTestSystem, type TestSystem } from "../support/system.js";

const PRINCIPALS = [
  "anonymous",
  "revoked",
  "operator",
  "dispatcher",
  "deptA",
  "deptB",
  "channel:wechat",
  "channel:web",
  "channel:open311",
  "grid-worker",
] as const;
type Principal = (typeof PRINCIPALS)[number];

interface Ctx {
  ticketId: string;
}
interface Row {
  request: (ctx: Ctx) => { method: string; path: string; body?: unknown };
  /** The status each principal gets. */
  expect: Record<Principal, number>;
}

/** Who is not even authenticated, and who is authenticated but not allowed by the route's roles. */
const refused = (allowed: Partial<Record<Principal, number>>): Record<Principal, number> => ({
  anonymous: 401,
  revoked: 401,
  operator: 403,
  dispatcher: 403,
  deptA: 403,
  deptB: 403,
  "channel:wechat": 403,
  "channel:web": 403,
  "channel:open311": 403,
  "grid-worker": 403,
  ...allowed,
});

/** A public route: no key is checked, so every caller gets `status`. */
const all = (status: number) =>
  Object.fromEntries(PRINCIPALS.map((p) => [p, status])) as Record<Principal, number>;

const MATRIX: Record<HttpRouteName, Row> = {
  health: {
    request: () => ({ method: "GET", path: "/health" }),
    expect: Object.fromEntries(PRINCIPALS.map((p) => [p, 200])) as Record<Principal, number>,
  },
  "tickets-create": {
    request: () => ({ method: "POST", path: "/v1/tickets", body: report({ categoryId: "drainage" }) }),
    expect: refused({ operator: 201 }),
  },
  "tickets-list": {
    request: () => ({ method: "GET", path: "/v1/tickets?phone=13900001111" }),
    expect: refused({ operator: 200 }),
  },
  "tickets-get": {
    request: (c) => ({ method: "GET", path: `/v1/tickets/${c.ticketId}` }),
    // Department B gets what it would get for a ticket that does not exist.
    expect: refused({ operator: 200, dispatcher: 200, deptA: 200, deptB: 404 }),
  },
  "ticket-actions": {
    // progress before accept: department A passes every check up to the lifecycle (422); B never sees it.
    request: (c) => ({
      method: "POST",
      path: `/v1/tickets/${c.ticketId}/actions`,
      body: { action: "progress", note: "矩阵测试" },
    }),
    expect: refused({ operator: 403, dispatcher: 403, deptA: 422, deptB: 404 }),
  },
  "department-inbox": {
    request: () => ({ method: "GET", path: "/v1/departments/water/inbox?wait=0&max=1" }),
    expect: refused({ deptA: 200 }),
  },
  "callbacks-list": {
    request: () => ({ method: "GET", path: "/v1/callbacks?status=pending" }),
    expect: refused({ operator: 200 }),
  },
  "callbacks-result": {
    request: () => ({
      method: "POST",
      path: "/v1/callbacks/no-such-callback/result",
      body: { reached: false },
    }),
    expect: refused({ operator: 404 }),
  },
  // Public rating routes take no key: a key, valid or revoked, changes nothing; an unknown link is 404 for all.
  "public-ratings-get": {
    request: () => ({ method: "GET", path: "/v1/public/ratings/no-such-token-0000000000" }),
    expect: Object.fromEntries(PRINCIPALS.map((p) => [p, 404])) as Record<Principal, number>,
  },
  "public-ratings-post": {
    request: () => ({
      method: "POST",
      path: "/v1/public/ratings/no-such-token-0000000000",
      body: { rating: 5 },
    }),
    expect: Object.fromEntries(PRINCIPALS.map((p) => [p, 404])) as Record<Principal, number>,
  },
  // The web form's public routes take no key: every caller gets the same answer.
  "public-config": {
    request: () => ({ method: "GET", path: "/v1/public/config" }),
    expect: all(200),
  },
  "public-uploads": {
    request: () => ({
      method: "POST",
      path: "/v1/public/uploads",
      body: { contentType: "text/plain", size: 10 },
    }),
    expect: all(400),
  },
  "public-reports-create": {
    request: () => ({ method: "POST", path: "/v1/public/reports", body: {} }),
    expect: all(400),
  },
  "public-ticket-get": {
    request: () => ({ method: "GET", path: "/v1/public/tickets/20260101-000001?phone4=0000" }),
    expect: all(404),
  },
  "patrols-report": {
    request: () => ({ method: "POST", path: "/v1/patrols/reports", body: {} }),
    expect: refused({ "grid-worker": 400 }),
  },
  "patrols-zero-report": {
    request: () => ({ method: "POST", path: "/v1/patrols/zero-report", body: {} }),
    expect: refused({ "grid-worker": 201 }),
  },
  "patrols-mine": {
    request: () => ({ method: "GET", path: "/v1/patrols/mine" }),
    expect: refused({ "grid-worker": 200 }),
  },
  "patrols-daily": {
    request: () => ({ method: "GET", path: "/v1/patrols/daily?date=2026-12-01" }),
    expect: refused({ dispatcher: 200 }),
  },
  // Open311 authenticates by its own api_key parameter (a channel:open311 key), not by our headers.
  "open311-get": {
    request: () => ({ method: "GET", path: "/open311/v2/services.json" }),
    expect: all(200),
  },
  "open311-get-item": {
    request: () => ({ method: "GET", path: "/open311/v2/requests/20260101-000001.json" }),
    expect: all(404),
  },
  "open311-post": {
    // Without an api_key (a channel:open311 key) the spec's answer is 403.
    request: () => ({ method: "POST", path: "/open311/v2/requests.json" }),
    expect: all(403),
  },
  // The WeChat bot's routes: the channel key bound to wechat only.
  "wechat-messages": {
    request: () => ({ method: "POST", path: "/v1/channels/wechat/messages", body: {} }),
    expect: refused({ "channel:wechat": 400 }),
  },
  "wechat-outbox": {
    request: () => ({ method: "GET", path: "/v1/channels/wechat/outbox?wait=0" }),
    expect: refused({ "channel:wechat": 200 }),
  },
  "wechat-outbox-ack": {
    request: () => ({ method: "POST", path: "/v1/channels/wechat/outbox/ack", body: {} }),
    expect: refused({ "channel:wechat": 400 }),
  },
  "wechat-uploads": {
    request: () => ({
      method: "POST",
      path: "/v1/channels/wechat/uploads",
      body: { contentType: "text/plain", size: 10 },
    }),
    expect: refused({ "channel:wechat": 400 }),
  },
  // The Official Account callback is WeChat's: its signature, not our keys, decides. This system has no Official
  // Account configured, so the route is off: 404 for everyone (signatures: test/integration/wechat-oa.test.ts).
  "wechat-oa-verify": {
    request: () => ({
      method: "GET",
      path: "/v1/channels/wechat-oa?signature=x&timestamp=1&nonce=1&echostr=e",
    }),
    expect: all(404),
  },
  "wechat-oa": {
    request: () => ({
      method: "POST",
      path: "/v1/channels/wechat-oa?signature=x&timestamp=1&nonce=1",
      body: "<xml/>",
    }),
    expect: all(404),
  },
  "rate-page": {
    request: () => ({ method: "GET", path: "/rate/no-such-token-0000000000" }),
    expect: Object.fromEntries(PRINCIPALS.map((p) => [p, 404])) as Record<Principal, number>,
  },
};

let sys: TestSystem;
let keyOf: Record<Principal, string | undefined>;
let ctx: Ctx;

beforeAll(async () => {
  sys = await startTestSystem("authz");
  const { key: revoked, record } = await issueApiKey(sys.runtime.core.keys, {
    role: "operator",
    label: "revoked",
  });
  await revokeApiKey(sys.runtime.core.keys, record.hash);
  keyOf = {
    anonymous: undefined,
    revoked,
    operator: sys.keys.operator,
    dispatcher: sys.keys.dispatcher,
    deptA: sys.keys.departments.water,
    deptB: sys.keys.departments.eco,
    "channel:wechat": sys.keys["channel:wechat"],
    "channel:web": sys.keys["channel:web"],
    "channel:open311": sys.keys["channel:open311"],
    "grid-worker": sys.keys["grid-worker"],
  };
  const created = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({ categoryId: "drainage", title: "矩阵用工单" }),
  });
  expect(created.body.department).toBe("water");
  ctx = { ticketId: created.body.id };
});
afterAll(async () => {
  await sys?.stop();
});

describe("authorization matrix", () => {
  it("has a row for every route in functions/routes.ts", () => {
    const missing = HTTP_ROUTES.filter((r) => !(r.name in MATRIX)).map((r) => `${r.method} ${r.path}`);
    expect(missing, "routes without a row in the authorization matrix").toEqual([]);
  });

  for (const route of HTTP_ROUTES) {
    it(`${route.method} ${route.path}: every principal gets its expected answer`, async () => {
      const row = MATRIX[route.name as HttpRouteName];
      expect(row, `no matrix row for ${route.name}`).toBeDefined();
      const got: Record<string, number> = {};
      for (const p of PRINCIPALS) {
        const req = row.request(ctx);
        const res = await sys.call(req.method, req.path, { key: keyOf[p], body: req.body });
        got[p] = res.status;
        if (res.status >= 400) {
          // Pages answer with an HTML page that says why; the API with a JSON error message.
          const html = res.headers.get("content-type")?.startsWith("text/html");
          if (html) expect(String(res.body), `${route.name} × ${p}`).toMatch(/<html/i);
          // Open311 answers errors in the GeoReport v2 shape: [{code, description}].
          else
            expect(res.body.error?.message ?? res.body[0]?.description, `${route.name} × ${p}`).toBeTruthy();
        }
      }
      expect(got).toEqual(row.expect);
    });
  }

  it("department B is never notified of A's ticket: its inbox stays empty of it", async () => {
    const res = await sys.call("GET", "/v1/departments/eco/inbox?wait=0&max=10", { key: keyOf.deptB });
    expect(res.body.items.map((i: { ticket: { id: string } }) => i.ticket.id)).not.toContain(ctx.ticketId);
  });
});
