import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem("numbers");
});
afterAll(async () => {
  await sys?.stop();
});

const seq = (ticketNo: string) => Number(ticketNo.split("-")[1]);

describe("ticket numbers and replays", () => {
  it("50 concurrent replays of one key make one ticket and use up no ticket numbers", async () => {
    const send = () =>
      sys.call("POST", "/v1/tickets", {
        key: sys.keys.operator,
        headers: { "idempotency-key": "replay-0001" },
        body: report({ categoryId: "drainage" }),
      });
    const answers = await Promise.all(Array.from({ length: 50 }, send));
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.ticketNo)).size).toBe(1);

    // The numbers the 49 replays took were given back: the next ticket is the day's second.
    const next = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "replay-0002" },
      body: report({ categoryId: "drainage", title: "另一处污水井冒水" }),
    });
    expect(next.status).toBe(201);
    expect(seq(next.body.ticketNo)).toBeLessThanOrEqual(2);
    expect(next.body.ticketNo).not.toBe(answers[0]!.body.ticketNo);
  });

  it("a replay with a different body is refused with 409 and makes nothing", async () => {
    const first = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "replay-0003" },
      body: report({ categoryId: "drainage" }),
    });
    expect(first.status).toBe(201);
    const other = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "replay-0003" },
      body: report({ categoryId: "noise", title: "夜里施工太吵" }),
    });
    expect(other.status).toBe(409);
    expect(other.body.error.field).toBe("Idempotency-Key");
  });
});

describe("intake metrics", () => {
  it("counts every ticket created per channel, and whether it was routed or triaged", async () => {
    const seen: { name: string; dims: Record<string, string> }[] = [];
    sys.runtime.core.metrics = { count: (name, dims = {}) => void seen.push({ name, dims }) };
    await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "drainage" }),
    });
    await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ title: "你好", description: "想问一下情况" }),
    });
    expect(seen.filter((m) => m.name === "TicketsCreated")).toEqual([
      { name: "TicketsCreated", dims: { channel: "hotline" } },
      { name: "TicketsCreated", dims: { channel: "hotline" } },
    ]);
    expect(seen.map((m) => m.name)).toEqual(expect.arrayContaining(["TicketsRouted", "TicketsTriaged"]));
  });
});
