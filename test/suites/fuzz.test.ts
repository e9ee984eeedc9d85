/**
 * Property-based fuzzing (fast-check) of every JSON endpoint and of the configuration loader: whatever arrives,
 * the answer is a 4xx with a clear message (or, for the loader, a ConfigError naming a field), never a 5xx, and
 * nothing is stored. The harness takes a list of targets: a parser arriving later (the WeChat Official Account
 * XML, Open311) is one more entry in TARGETS / PARSERS.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWechatXml, XmlError } from "../../shared/channels/wechat/oa-xml.js";
import { ConfigError, parseCityConfig } from "../../shared/config/load.js";
import { TicketStatus } from "../../shared/domain/ticket.js";
import { report, startTestSystem, type TestSystem } from "../support/system.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

let sys: TestSystem;
let ticketId: string;
beforeAll(async () => {
  sys = await startTestSystem("fuzz");
  const t = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({ categoryId: "drainage" }),
  });
  ticketId = t.body.id;
});
afterAll(async () => {
  await sys?.stop();
});

/** A JSON value that is almost a valid report: one field replaced by anything, or anything at all. */
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "\u001b[2J",
    "\u202e",
    "\u200b",
    "\ud800",
    "00000",
    "+00000000000000000000",
    "x".repeat(6000),
  ),
);
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v ?? null))),
);
const nearReport = fc
  .tuple(
    fc.constantFrom(
      "title",
      "description",
      "requestType",
      "categoryId",
      "location",
      "reporter",
      "attachments",
      "urgency",
    ),
    fc.oneof(anyJson, hostileString),
  )
  .map(([field, value]) => ({ ...report(), [field]: value }));
const nearAction = fc.oneof(
  fc.record(
    {
      action: fc.constantFrom(
        "accept",
        "progress",
        "resolve",
        "return",
        "assign",
        "merge",
        "reject",
        "verify",
        "reopen",
        "nope",
      ),
      note: hostileString,
      leaseToken: hostileString,
    },
    { requiredKeys: ["action"] },
  ),
  anyJson,
);

/** A body the endpoint must refuse: it answers with `status` (4xx) and an error message. */
interface HttpTarget {
  name: string;
  body: fc.Arbitrary<unknown>;
  send(body: unknown): Promise<{ status: number; body: any }>;
  /** When true a 2xx is possible (a near-valid body may be valid): only "never 5xx" is checked then. */
  mayAccept?: boolean;
}

const TARGETS: HttpTarget[] = [
  {
    name: "POST /v1/tickets (near-valid reports)",
    body: nearReport,
    mayAccept: true,
    send: (body) => sys.call("POST", "/v1/tickets", { key: sys.keys.operator, body }),
  },
  {
    name: "POST /v1/tickets (any JSON)",
    body: anyJson.filter((v) => !(v && typeof v === "object" && "title" in v)),
    send: (body) => sys.call("POST", "/v1/tickets", { key: sys.keys.operator, body: JSON.stringify(body) }),
  },
  {
    name: "POST /v1/tickets (raw bytes)",
    body: fc.uint8Array({ maxLength: 200 }),
    send: async (bytes) => {
      const res = await fetch(`${sys.baseUrl}/v1/tickets`, {
        method: "POST",
        headers: { authorization: `Bearer ${sys.keys.operator}`, "content-type": "application/json" },
        body: Buffer.from(bytes as Uint8Array),
      });
      return { status: res.status, body: await res.json() };
    },
  },
  {
    name: "POST /v1/tickets/{id}/actions",
    body: nearAction,
    mayAccept: true,
    send: (body) =>
      sys.call("POST", `/v1/tickets/${ticketId}/actions`, {
        key: sys.keys.departments.water!,
        body: JSON.stringify(body),
      }),
  },
  {
    name: "GET /v1/tickets?phone&cursor&limit",
    body: fc.record({ phone: hostileString, cursor: hostileString, limit: hostileString }),
    mayAccept: true,
    send: (q) => {
      const params = new URLSearchParams(q as Record<string, string>);
      return sys.call("GET", `/v1/tickets?${params}`, { key: sys.keys.operator });
    },
  },
  {
    name: "GET /v1/departments/{dept}/inbox",
    body: fc.record({ dept: fc.string({ maxLength: 30 }), wait: hostileString, max: hostileString }),
    mayAccept: true,
    send: (q) => {
      const { dept, ...rest } = q as Record<string, string>;
      const params = new URLSearchParams({ ...rest, wait: "0" });
      return sys.call("GET", `/v1/departments/${encodeURIComponent(dept || "x")}/inbox?${params}`, {
        key: sys.keys.departments.water!,
      });
    },
  },
  {
    name: "GET /v1/grids/mine/inbox?status&cursor&limit",
    body: fc.record(
      {
        status: fc.oneof(hostileString, fc.constantFrom("dispatched", "accepted", "resolved")),
        cursor: hostileString,
        limit: hostileString,
      },
      { requiredKeys: [] },
    ),
    mayAccept: true,
    send: (q) => {
      const params = new URLSearchParams(q as Record<string, string>);
      return sys.call("GET", `/v1/grids/mine/inbox?${params}`, { key: sys.keys["grid-worker"] });
    },
  },
  {
    name: "GET /v1/stats/departments|grids?month",
    body: fc.record({ which: fc.constantFrom("departments", "grids"), month: hostileString }),
    mayAccept: true,
    send: (q) => {
      const { which, month } = q as Record<string, string>;
      return sys.call("GET", `/v1/stats/${which}?${new URLSearchParams({ month: month ?? "" })}`, {
        key: sys.keys.dispatcher,
      });
    },
  },
  {
    name: "POST /v1/tickets/{id}/actions (a grid worker's hand-up and steps)",
    body: fc.record(
      {
        action: fc.constantFrom("hand-up", "accept", "progress", "resolve", "extend"),
        to: fc.oneof(hostileString, fc.constantFrom("street-office", "triage")),
        reason: hostileString,
      },
      { requiredKeys: ["action"] },
    ),
    mayAccept: false,
    send: (body) =>
      sys.call("POST", `/v1/tickets/${ticketId}/actions`, {
        key: sys.keys["grid-worker"],
        body: JSON.stringify(body),
      }),
  },
];

/** Non-HTTP parsers: must throw their own typed error for bad input, never anything else. */
interface ParserTarget {
  name: string;
  input: fc.Arbitrary<unknown>;
  parse(input: unknown): unknown;
  isClearError(err: unknown): boolean;
}

const city = JSON.parse(readFileSync("shared/config/city.json", "utf8"));
const PARSERS: ParserTarget[] = [
  {
    name: "configuration loader",
    input: fc.oneof(
      anyJson,
      fc.tuple(fc.constantFrom(...Object.keys(city)), anyJson).map(([k, v]) => ({ ...city, [k]: v })),
      fc
        .tuple(
          fc.nat({ max: 20 }),
          fc.constantFrom("id", "department", "category", "area", "parent"),
          anyJson,
        )
        .map(([i, field, v]) => {
          const c = structuredClone(city);
          const list = c.routing as Record<string, unknown>[];
          if (list[i % list.length]) list[i % list.length]![field] = v;
          return c;
        }),
    ),
    parse: (input) => parseCityConfig(input, "fuzz.json"),
    isClearError: (err) => err instanceof ConfigError && /fuzz\.json: /.test(err.message),
  },
  {
    // The Official Account's XML (what WeChat, or anyone who found the URL, posts): never an entity expanded,
    // never a crash — a clear XmlError (answered 400) or a flat map of strings.
    name: "WeChat Official Account XML",
    input: fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(
          fc.tuple(
            fc.constantFrom("ToUserName", "MsgType", "Content", "MsgId", "x"),
            fc.string({ maxLength: 40 }),
          ),
          {
            maxLength: 6,
          },
        )
        .map((fields) => `<xml>${fields.map(([k, v]) => `<${k}>${v}</${k}>`).join("")}</xml>`),
      fc
        .string({ maxLength: 40 })
        .map((v) => `<!DOCTYPE xml [<!ENTITY a "${v}">]><xml><Content>&a;&a;&a;</Content></xml>`),
      fc.nat({ max: 40 }).map((n) => `${"<xml>".repeat(n)}x${"</xml>".repeat(n)}`),
    ),
    parse: (input) => {
      const out = parseWechatXml(input as string);
      for (const v of Object.values(out)) expect(typeof v).toBe("string");
      return out;
    },
    isClearError: (err) => err instanceof XmlError,
  },
];

async function storedCount(): Promise<number> {
  let n = 0;
  for (const status of TicketStatus.options) {
    let cursor: string | undefined;
    do {
      const page = await sys.runtime.core.store.listByStatus(status, 100, cursor);
      n += page.items.length;
      cursor = page.cursor;
    } while (cursor);
  }
  return n;
}

describe("fuzzing the HTTP endpoints", () => {
  for (const target of TARGETS) {
    it(`${target.name}: 4xx with a message or a success, never a 5xx; refusals store nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(target.body, async (body) => {
          const before = target.name.startsWith("POST /v1/tickets (") ? await storedCount() : 0;
          const res = await target.send(body);
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          if (res.status >= 400) {
            expect(typeof res.body?.error?.message).toBe("string");
            expect(res.body.error.message.length).toBeGreaterThan(0);
            if (target.name.startsWith("POST /v1/tickets (")) expect(await storedCount()).toBe(before);
          } else expect(target.mayAccept, `accepted: ${JSON.stringify(body)}`).toBe(true);
        }),
        { numRuns: RUNS },
      );
    }, 120_000);
  }
});

describe("fuzzing the parsers", () => {
  for (const p of PARSERS) {
    it(`${p.name}: bad input throws its clear error, never anything else`, () => {
      fc.assert(
        fc.property(p.input, (input) => {
          try {
            p.parse(input);
          } catch (err) {
            expect(p.isClearError(err), String(err)).toBe(true);
          }
        }),
        { numRuns: RUNS * 5 },
      );
    });
  }
});
