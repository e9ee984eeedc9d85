import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutbox } from "../../shared/adapters/sms.js";
import { createDeadlinePolicy } from "../../shared/closure/deadline.js";
import { superviseDeadlines, sweepAll } from "../../shared/closure/sweep.js";
import { createTicket } from "../../shared/services/intake.js";
import { report, startTestSystem, type TestSystem } from "../support/system.js";

/**
 * The closure loop through the HTTP API on the embedded stand-ins: deadlines and supervision with the core's
 * clock moved by hand, verification, callbacks (回访) and reopening (重办).
 */
let sys: TestSystem;
let now = new Date("2026-03-03T02:00:00.000Z"); // Tue 10:00 in the city (+8)
const HOUR = 3_600_000;
const at = (ms: number) => {
  now = new Date(ms);
};

beforeAll(async () => {
  sys = await startTestSystem("closure");
  sys.runtime.core.clock = { now: () => now };
});
afterAll(async () => {
  await sys?.stop();
});

const water = () => sys.keys.departments.water!;
const act = (id: string, key: string, body: Record<string, unknown>) =>
  sys.call("POST", `/v1/tickets/${id}/actions`, { key, body });
const get = async (id: string) =>
  (await sys.call("GET", `/v1/tickets/${id}`, { key: sys.keys.dispatcher })).body;

async function hotline(overrides: Record<string, unknown> = {}) {
  const res = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({ categoryId: "drainage", ...overrides }),
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; ticketNo: string; [k: string]: any };
}

async function handleAndClose(id: string) {
  expect((await act(id, water(), { action: "accept" })).status).toBe(200);
  expect((await act(id, water(), { action: "resolve", result: "已疏通" })).status).toBe(200);
  const closed = await act(id, sys.keys.dispatcher, { action: "verify", passed: true });
  expect(closed.body.status).toBe("closed");
  return closed.body;
}

async function pendingCallbackFor(ticketId: string) {
  const list = await sys.call("GET", "/v1/callbacks?status=pending", { key: sys.keys.operator });
  expect(list.status).toBe(200);
  return list.body.items.find((c: { ticketId: string }) => c.ticketId === ticketId);
}

async function drainInbox(dept: string, key: string) {
  const items: any[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await sys.call("GET", `/v1/departments/${dept}/inbox?wait=0&max=10`, { key });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    if (!res.body.items.length) break;
  }
  return items;
}

describe("deadlines: two per ticket", () => {
  it("a dispatched ticket carries its accept (签收) and resolve (办结) deadlines", async () => {
    at(Date.parse("2026-03-03T02:00:00.000Z"));
    const t = await hotline({ urgency: "high" });
    // high: accept within 4 h, resolve within 24 h (drainage's 48 h is later)
    expect(t.acceptDueAt).toBe(new Date(now.getTime() + 4 * HOUR).toISOString());
    expect(t.dueAt).toBe(new Date(now.getTime() + 24 * HOUR).toISOString());
    expect(t.supervision).toEqual({ accept: "none", resolve: "none" });
    expect(t.overdue).toEqual({ accept: null, resolve: null });
  });
});

describe("supervision (督查督办) moved through by the clock", () => {
  it("warns at 80 %, urges at 100 % and marks overdue, escalates later; the same sweep twice changes nothing", async () => {
    const t0 = Date.parse("2026-03-10T02:00:00.000Z");
    at(t0);
    await superviseDeadlines(sys.runtime.core); // settles the earlier tests' tickets, long overdue by now
    const t = await hotline({ urgency: "high" });
    await drainInbox("water", water()); // the dispatch message

    at(t0 + 1 * HOUR);
    expect((await superviseDeadlines(sys.runtime.core)).warned).toBe(0);

    at(t0 + 3.3 * HOUR); // 80 % of the 4 h accept deadline
    const first = await superviseDeadlines(sys.runtime.core);
    expect(first.warned).toBe(1);
    const again = await superviseDeadlines(sys.runtime.core);
    expect(again).toMatchObject({ seen: 0, warned: 0, urged: 0, escalated: 0 });
    let ticket = await get(t.id);
    expect(ticket.supervision.accept).toBe("warned");
    expect(ticket.history.filter((e: { type: string }) => e.type === "warn")).toHaveLength(1);
    const warned = await drainInbox("water", water());
    expect(warned.find((i) => i.ticket.id === t.id)).toMatchObject({ notice: "warn", deadline: "accept" });

    at(t0 + 4.1 * HOUR); // past the accept deadline
    expect((await superviseDeadlines(sys.runtime.core)).urged).toBe(1);
    ticket = await get(t.id);
    expect(ticket.overdue.accept).toBe(new Date(now).toISOString());
    expect(ticket.supervision.accept).toBe("urged");
    const urged = await drainInbox("water", water());
    expect(urged.find((i) => i.ticket.id === t.id)).toMatchObject({ notice: "urge", deadline: "accept" });

    at(t0 + 28.5 * HOUR); // 24 h after the accept deadline: escalation; the resolve deadline (24 h) passed too
    const late = await superviseDeadlines(sys.runtime.core);
    expect(late.escalated).toBe(1);
    ticket = await get(t.id);
    expect(ticket.escalatedAt).toBe(new Date(now).toISOString());
    expect(ticket.supervision).toEqual({ accept: "escalated", resolve: "urged" });
    const escalate = ticket.history.find((e: { type: string }) => e.type === "escalate");
    expect(escalate.data).toEqual({ reason: "overdue", deadline: "accept" });
    const triage = await drainInbox("triage", sys.keys.dispatcher);
    expect(triage.find((i) => i.ticket.id === t.id)).toMatchObject({ notice: "escalate" });
    const versionBefore = ticket.version;
    expect(await superviseDeadlines(sys.runtime.core)).toMatchObject({ warned: 0, urged: 0, escalated: 0 });
    expect((await get(t.id)).version).toBe(versionBefore);
  });

  it("an approved extension (延期) moves the resolve deadline and restarts its supervision; a refused one does not", async () => {
    const t0 = Date.parse("2026-03-16T02:00:00.000Z");
    at(t0);
    const t = await hotline({ urgency: "high" });
    await act(t.id, water(), { action: "accept" });
    at(t0 + 20 * HOUR);
    await superviseDeadlines(sys.runtime.core);
    expect((await get(t.id)).supervision.resolve).toBe("warned");

    const later = new Date(t0 + 72 * HOUR).toISOString();
    const asked = await act(t.id, water(), {
      action: "extend",
      reason: "需更换管道，材料在途",
      dueAt: later,
    });
    expect(asked.status).toBe(200);
    expect(asked.body.extension).toMatchObject({ dueAt: later, reason: "需更换管道，材料在途" });
    expect((await act(t.id, water(), { action: "extend", reason: "again", dueAt: later })).status).toBe(409);
    const ok = await act(t.id, sys.keys.dispatcher, { action: "approve-extension", note: "同意" });
    expect(ok.body).toMatchObject({ dueAt: later, extension: null, supervision: { resolve: "none" } });

    at(t0 + 30 * HOUR); // past the old deadline, before 80 % of the new one
    await superviseDeadlines(sys.runtime.core);
    expect((await get(t.id)).overdue.resolve).toBeNull();

    const u = await hotline({ urgency: "high" });
    await act(u.id, water(), { action: "accept" });
    const before = (await get(u.id)).dueAt;
    await act(u.id, water(), {
      action: "extend",
      reason: "人手不足",
      dueAt: new Date(now.getTime() + 96 * HOUR).toISOString(),
    });
    const refused = await act(u.id, sys.keys.dispatcher, { action: "refuse-extension", reason: "按时办结" });
    expect(refused.body).toMatchObject({ dueAt: before, extension: null });
    const types = (await get(u.id)).history.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["extend", "refuse-extension"]));
    // only a department asks, only a dispatcher decides
    expect(
      (await act(u.id, sys.keys.operator, { action: "extend", reason: "x", dueAt: before })).status,
    ).toBe(403);
    expect((await act(u.id, sys.keys.dispatcher, { action: "approve-extension" })).status).toBe(422);
  });
});

describe("verification (核查结案)", () => {
  it("报处分离: whoever filed a ticket cannot verify it", async () => {
    at(Date.parse("2026-03-20T02:00:00.000Z"));
    // A dispatcher files (through the core) and then tries to verify its own report.
    const { ticket } = await createTicket(sys.runtime.core, report({ categoryId: "drainage" }), {
      channel: "hotline",
      actor: { id: "dispatcher-self", role: "operator" },
    });
    await act(ticket.id, water(), { action: "accept" });
    await act(ticket.id, water(), { action: "resolve", result: "已疏通" });
    const me = await sys.runtime.authenticate(sys.keys.dispatcher);
    const { applyAction } = await import("../../shared/services/actions.js");
    await expect(
      applyAction(
        sys.runtime.core,
        ticket.id,
        { action: "verify", passed: true },
        { ...me, id: "dispatcher-self" },
      ),
    ).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a failed verification goes back to the same department with a fresh resolve deadline", async () => {
    const t0 = Date.parse("2026-03-23T02:00:00.000Z");
    at(t0);
    const t = await hotline();
    await act(t.id, water(), { action: "accept" });
    await act(t.id, water(), { action: "resolve", result: "已疏通" });
    at(t0 + 30 * HOUR);
    const failed = await act(t.id, sys.keys.dispatcher, {
      action: "verify",
      passed: false,
      note: "现场仍冒水",
    });
    expect(failed.body).toMatchObject({ status: "dispatched", department: "water" });
    expect(Date.parse(failed.body.dueAt)).toBe(now.getTime() + 48 * HOUR);
  });
});

describe("verification by the reporter (双验收) through the HTTP API", () => {
  it("a 'both' category closes only after the centre and the reporter's channel both pass", async () => {
    at(Date.parse("2026-03-25T02:00:00.000Z"));
    const core = sys.runtime.core;
    const original = core.deadlines;
    const config = structuredClone(core.config);
    for (const c of config.categories) if (c.id === "drainage") c.verification = "both";
    core.deadlines = createDeadlinePolicy(config);
    try {
      const { ticket } = await createTicket(
        core,
        report({ categoryId: "drainage", reporter: { phone: "13600004444", channelUserId: "web-user-7" } }),
        { channel: "web", actor: { id: "web-gateway", role: "channel", channel: "web" } },
      );
      await act(ticket.id, water(), { action: "accept" });
      await act(ticket.id, water(), { action: "resolve", result: "已疏通" });
      const centre = await act(ticket.id, sys.keys.dispatcher, { action: "verify", passed: true });
      expect(centre.body).toMatchObject({
        status: "resolved",
        verification: { dispatcher: true, reporter: null },
      });
      const web = sys.keys["channel:web"];
      const wrongUser = await act(ticket.id, web, {
        action: "confirm",
        passed: true,
        channelUserId: "someone",
      });
      expect(wrongUser.status).toBe(403);
      const other = await act(ticket.id, sys.keys["channel:wechat"], { action: "confirm", passed: true });
      expect(other.status).toBe(403);
      const asChannel = await act(ticket.id, web, { action: "accept" });
      expect(asChannel.status).toBe(403);
      const confirmed = await act(ticket.id, web, {
        action: "confirm",
        passed: true,
        channelUserId: "web-user-7",
      });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.status).toBe("closed");
      expect((await get(ticket.id)).callbacks).toHaveLength(1);
    } finally {
      core.deadlines = original;
    }
  });
});

describe("callbacks (回访) and reopening (重办) through the HTTP API", () => {
  it("create → … → closed → callback → rating 1 → reopened to the same department → … → rating 5 → satisfied", async () => {
    const t0 = Date.parse("2026-04-01T02:00:00.000Z");
    at(t0);
    const t = await hotline();
    await handleAndClose(t.id);

    const cb = await pendingCallbackFor(t.id);
    expect(cb).toMatchObject({ channel: "hotline", status: "pending", reporterTicketNo: t.ticketNo });
    expect(cb.reporter.phone).toBe("13900001111"); // the operator phones the caller back

    at(t0 + 2 * HOUR);
    const unhappy = await sys.call("POST", `/v1/callbacks/${cb.id}/result`, {
      key: sys.keys.operator,
      body: { reached: true, rating: 1, comment: "井还在冒水" },
    });
    expect(unhappy.status).toBe(200);
    expect(unhappy.body).toMatchObject({ outcome: "reopened", ticketStatus: "dispatched" });
    let ticket = await get(t.id);
    expect(ticket).toMatchObject({ status: "dispatched", department: "water", satisfaction: 1 });
    expect(ticket.dueAt).toBe(new Date(now.getTime() + 48 * HOUR).toISOString());
    expect(ticket.history.at(-1)).toMatchObject({ type: "rate", to: "dispatched", note: "井还在冒水" });
    const again = await sys.call("POST", `/v1/callbacks/${cb.id}/result`, {
      key: sys.keys.operator,
      body: { reached: true, rating: 5 },
    });
    expect(again.status).toBe(409);
    const reopened = await drainInbox("water", water());
    expect(reopened.map((i) => i.ticket.id)).toContain(t.id);

    at(t0 + 5 * HOUR);
    await handleAndClose(t.id);
    const second = await pendingCallbackFor(t.id);
    expect(second.id).not.toBe(cb.id);
    const happy = await sys.call("POST", `/v1/callbacks/${second.id}/result`, {
      key: sys.keys.operator,
      body: { reached: true, rating: 5 },
    });
    expect(happy.body).toMatchObject({ outcome: "satisfied", ticketStatus: "closed" });
    ticket = await get(t.id);
    expect(ticket.satisfaction).toBe(5);
    expect(ticket.callbacks.map((c: { status: string; rating: number }) => [c.status, c.rating])).toEqual([
      ["rated", 1],
      ["rated", 5],
    ]);
    expect(ticket.history.filter((e: { type: string }) => e.type === "rate")).toHaveLength(2);
  });

  it("a merged ticket's reporters each get a callback", async () => {
    at(Date.parse("2026-04-06T02:00:00.000Z"));
    const parent = await hotline();
    const child = await hotline({
      categoryId: undefined,
      title: "又是那个井",
      description: "同一个地方还有一个问题我说不清",
      reporter: { phone: "13700002222" },
    });
    expect(child.status).toBe("triage");
    const merged = await act(child.id, sys.keys.dispatcher, { action: "merge", parentId: parent.id });
    expect(merged.body.status).toBe("merged");
    await handleAndClose(parent.id);
    const ticket = await get(parent.id);
    expect(ticket.callbacks.map((c: { reporterTicketId: string }) => c.reporterTicketId).sort()).toEqual(
      [parent.id, child.id].sort(),
    );
    const list = await sys.call("GET", "/v1/callbacks?status=pending&limit=100", { key: sys.keys.operator });
    const phones = list.body.items
      .filter((c: { ticketId: string }) => c.ticketId === parent.id)
      .map((c: { reporter: { phone: string } }) => c.reporter.phone)
      .sort();
    expect(phones).toEqual(["13700002222", "13900001111"]);
  });

  it("an unreachable caller's callback closes unrated after the configured attempts", async () => {
    at(Date.parse("2026-04-08T02:00:00.000Z"));
    const t = await hotline();
    await handleAndClose(t.id);
    const cb = await pendingCallbackFor(t.id);
    const attempts = sys.runtime.core.config.callbacks.maxAttempts;
    for (let i = 1; i <= attempts; i++) {
      const res = await sys.call("POST", `/v1/callbacks/${cb.id}/result`, {
        key: sys.keys.operator,
        body: { reached: false },
      });
      expect(res.body.outcome).toBe(i < attempts ? "attempted" : "unreachable");
    }
    const ticket = await get(t.id);
    expect(ticket.status).toBe("closed");
    expect(ticket.callbacks[0]).toMatchObject({ status: "unrated", endedBecause: "unreachable", attempts });
    expect(ticket.history.filter((e: { type: string }) => e.type === "callback-attempt")).toHaveLength(
      attempts,
    );
    expect(await pendingCallbackFor(t.id)).toBeUndefined();
  });

  it("a callback nobody answers within the window is closed unrated by the sweeper", async () => {
    const t0 = Date.parse("2026-04-10T02:00:00.000Z");
    at(t0);
    const t = await hotline();
    await handleAndClose(t.id);
    at(t0 + 6 * 24 * HOUR);
    await sweepAll(sys.runtime.core);
    expect((await get(t.id)).callbacks[0].status).toBe("pending");
    at(t0 + 8 * 24 * HOUR);
    const out = await sweepAll(sys.runtime.core);
    expect(out.callbacks.expired).toBeGreaterThanOrEqual(1);
    expect((await get(t.id)).callbacks[0]).toMatchObject({ status: "unrated", endedBecause: "expired" });
  });

  it("web: the reporter gets a signed, expiring rating link by SMS; the page rates once; a forged link is 404", async () => {
    at(Date.parse("2026-04-14T02:00:00.000Z"));
    const { ticket: web } = await createTicket(
      sys.runtime.core,
      report({ categoryId: "drainage", reporter: { phone: "13600003333" } }),
      { channel: "web", actor: { id: "web-gateway", role: "channel", channel: "web" } },
    );
    await handleAndClose(web.id);
    const outbox = sys.settings.smsOutboxFile!;
    let sms: ReturnType<typeof readOutbox>[number] | undefined;
    for (let i = 0; i < 50 && !sms; i++) {
      sms = readOutbox(outbox).find((e) => e.ticketNo === web.ticketNo && e.kind === "callback");
      if (!sms) await new Promise((r) => setTimeout(r, 100));
    }
    expect(sms).toBeDefined();
    expect(sms!.to).toBe("136****3333");
    expect(sms!.text).toContain(web.ticketNo);
    const token = /\/rate\/([^\s]+)/.exec(sms!.text)?.[1];
    expect(token).toBeTruthy();

    const page = await fetch(`${sys.baseUrl}/rate/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain(web.ticketNo);
    expect(html).not.toContain("13600003333");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);

    const view = await sys.call("GET", `/v1/public/ratings/${token}`);
    expect(view.body).toMatchObject({ ticketNo: web.ticketNo, status: "pending" });
    const forged = `${token!.split(".")[0]}.${"A".repeat(32)}`;
    expect((await sys.call("POST", `/v1/public/ratings/${forged}`, { body: { rating: 1 } })).status).toBe(
      404,
    );
    expect((await sys.call("GET", `/rate/${forged}`)).status).toBe(404);
    const bad = await sys.call("POST", `/v1/public/ratings/${token}`, { body: { rating: 9 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("rating");

    const rated = await sys.call("POST", `/v1/public/ratings/${token}`, {
      body: { rating: 4, comment: "及时" },
    });
    expect(rated.status).toBe(200);
    expect(rated.body).toEqual({ ticketNo: web.ticketNo, outcome: "satisfied", rating: 4 });
    expect((await sys.call("POST", `/v1/public/ratings/${token}`, { body: { rating: 5 } })).status).toBe(409);
    expect((await get(web.id)).satisfaction).toBe(4);
  });

  it("wechat: the resident answers in the conversation through core.callbacks", async () => {
    at(Date.parse("2026-04-16T02:00:00.000Z"));
    const gateway = { id: "wechat-gateway", role: "channel" as const, channel: "wechat" as const };
    const { ticket } = await createTicket(
      sys.runtime.core,
      report({ categoryId: "drainage", reporter: { channelUserId: "wx-user-42" } }),
      { channel: "wechat", actor: gateway },
    );
    await handleAndClose(ticket.id);
    const callbacks = sys.runtime.core.callbacks!;
    expect(await callbacks.answer("wechat", "wx-someone-else", { rating: 5 }, gateway)).toBeNull();
    expect(await callbacks.answer("wechat", "wx-user-42", { rating: 3 }, gateway)).toEqual({
      ticketNo: ticket.ticketNo,
      outcome: "satisfied",
    });
    // answered: nothing open any more
    expect(await callbacks.answer("wechat", "wx-user-42", { rating: 1 }, gateway)).toBeNull();
    expect((await get(ticket.id)).satisfaction).toBe(3);
  });

  it("only operators see the callback list; bad input names its field", async () => {
    expect((await sys.call("GET", "/v1/callbacks", { key: sys.keys.dispatcher })).status).toBe(403);
    expect((await sys.call("GET", "/v1/callbacks", { key: water() })).status).toBe(403);
    expect((await sys.call("GET", "/v1/callbacks")).status).toBe(401);
    const bad = await sys.call("GET", "/v1/callbacks?status=done", { key: sys.keys.operator });
    expect(bad.body.error.field).toBe("status");
    const noRating = await sys.call("POST", "/v1/callbacks/nope/result", {
      key: sys.keys.operator,
      body: { reached: true },
    });
    expect(noRating.status).toBe(404);
  });
});
