/**
 * Losing the store or the queue is noticed and answered honestly: 503 with Retry-After (never a hang, never a
 * 500), /health says which dependency is down; and the smaller edges a probe found (413, invalid UTF-8, forged
 * cursors, replays using up numbers, draining on shutdown).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../functions/lib/runtime.js";
import { startApiServer } from "../../scripts/local/api-server.js";
import { freePort } from "../../scripts/local/stand-ins.js";
import type { AwsSettings } from "../../shared/adapters/aws.js";
import { issueApiKey } from "../../shared/services/auth.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem("outages");
});
afterAll(async () => {
  await sys?.stop();
});

/** An API server on the given settings (the table and queues of `sys`, some endpoint replaced). */
async function apiOn(settings: AwsSettings) {
  const runtime = await createRuntime(settings, defaultConfig(), { quiet: true });
  const port = await freePort();
  const server = await startApiServer(runtime, port);
  const call = async (method: string, path: string, key?: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  return {
    runtime,
    call,
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A TCP server that accepts connections and never answers: a paused (SIGSTOP) stand-in. */
async function blackHole(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe("the store or the queue unreachable", () => {
  it("DynamoDB down: 503 with Retry-After for a known and an unknown key alike; health says store down", async () => {
    const api = await apiOn({ ...sys.settings, dynamoEndpoint: `http://127.0.0.1:${await freePort()}` });
    try {
      const created = await api.call("POST", "/v1/tickets", sys.keys.operator, report());
      expect(created.status).toBe(503);
      expect(created.headers.get("retry-after")).toBe("5");
      expect(created.body.error.code).toBe("unavailable");
      expect(JSON.stringify(created.body)).not.toMatch(/ECONN|127\.0\.0\.1|stack/);
      // The key lookup itself failed: the caller cannot be told "unknown key" (401) — that would be a lie.
      const unknown = await api.call("GET", "/v1/tickets?phone=13900001111", "cri_oper_not-a-real-key");
      expect(unknown.status).toBe(503);
      // Open311 carries its key in the form: a lookup that failed is "try again", not "invalid api_key".
      const open311 = await fetch(`${api.baseUrl}/open311/v2/requests.json`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ api_key: sys.keys["channel:open311"], service_code: "street-light" }),
      });
      expect(open311.status).toBe(503);
      const health = await api.call("GET", "/health");
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: "degraded", store: "down", queue: "ok" });
    } finally {
      await api.stop();
    }
    // With the store back (the real endpoint) an unknown key is a 401 again.
    expect((await sys.call("GET", "/v1/tickets?phone=13900001111", { key: "cri_oper_nope" })).status).toBe(
      401,
    );
    expect((await sys.call("GET", "/health")).body).toMatchObject({ status: "ok", store: "ok", queue: "ok" });
  });

  it("SQS down: health says queue down; the inbox answers 503; a ticket is still accepted and kept pending", async () => {
    const api = await apiOn({ ...sys.settings, sqsEndpoint: `http://127.0.0.1:${await freePort()}` });
    try {
      const health = await api.call("GET", "/health");
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ store: "ok", queue: "down" });
      const inbox = await api.call("GET", "/v1/departments/water/inbox?wait=0", sys.keys.departments.water);
      expect(inbox.status).toBe(503);
      const created = await api.call(
        "POST",
        "/v1/tickets",
        sys.keys.operator,
        report({ categoryId: "drainage" }),
      );
      // Stored and acknowledged: the request never sends (the table's stream outbox does, or the sweeper once
      // SQS is back), so an SQS outage does not stop intake.
      expect(created.status).toBe(201);
      expect((await sys.runtime.core.store.get(created.body.id))?.status).toBe("dispatched");
    } finally {
      await api.stop();
    }
  });

  it("a paused store cannot hang a request: the server's own time limits answer 503", async () => {
    const hole = await blackHole();
    const api = await apiOn({
      ...sys.settings,
      dynamoEndpoint: hole.url,
      limits: { connectionTimeout: 200, dynamoRequestTimeout: 300 },
    });
    try {
      const started = Date.now();
      const res = await api.call("GET", "/v1/tickets?phone=13900001111", sys.keys.operator);
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await api.stop();
      hole.close();
    }
  });
});

describe("edges", () => {
  it("a 10 MB body is answered 413, not a reset", async () => {
    const res = await fetch(`${sys.baseUrl}/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${sys.keys.operator}`, "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
  });

  it("a body that is not valid UTF-8 is refused with 400, not stored with U+FFFD", async () => {
    const json = Buffer.from(JSON.stringify(report({ title: "TITLE" })));
    const at = json.indexOf("TITLE");
    const bad = Buffer.concat([json.subarray(0, at), Buffer.from([0xc3, 0x28]), json.subarray(at + 5)]);
    const res = await fetch(`${sys.baseUrl}/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${sys.keys.operator}`, "content-type": "application/json" },
      body: bad,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/UTF-8/);
  });

  it("a forged page cursor is a 400 naming the field", async () => {
    for (const forged of [
      { PK: "", SK: "", GSI4SK: "" },
      { PK: "TICKET#x", SK: "META", GSI4SK: "y#z" },
    ]) {
      const cursor = Buffer.from(JSON.stringify(forged)).toString("base64url");
      const res = await sys.call("GET", `/v1/tickets?phone=13900001111&cursor=${cursor}`, {
        key: sys.keys.operator,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe("cursor");
    }
  });

  it("50 concurrent replays of one key use one ticket number", async () => {
    const body = report({ categoryId: "noise", reporter: { phone: "13600005050" } });
    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        sys.call("POST", "/v1/tickets", {
          key: sys.keys.operator,
          headers: { "idempotency-key": "replay-50" },
          body,
        }),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    const no = replies[0]!.body.ticketNo as string;
    const next = await sys.call("POST", "/v1/tickets", { key: sys.keys.operator, body: report() });
    const seq = (n: string) => Number(n.split("-")[1]);
    // Replays give their numbers back: the next ticket takes one of them or the next after the winner's.
    expect(seq(next.body.ticketNo)).toBeLessThanOrEqual(seq(no) + 1);
  });

  it("shutdown drains: a request in flight is answered, a new one is refused", async () => {
    const s = await startTestSystem("drain");
    const { key } = await issueApiKey(s.runtime.core.keys, { role: "department", department: "water" });
    const inFlight = s.call("GET", "/v1/departments/water/inbox?wait=2", { key });
    await new Promise((r) => setTimeout(r, 300));
    const stopped = s.stop();
    expect((await inFlight).status).toBe(200);
    await stopped;
    await expect(fetch(`${s.baseUrl}/health`)).rejects.toThrow();
  });
});
