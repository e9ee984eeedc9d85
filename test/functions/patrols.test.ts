import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;
let otherWorker: string;

beforeAll(async () => {
  sys = await startTestSystem("patrols");
  const { issueApiKey } = await import("../../shared/services/auth.js");
  otherWorker = (
    await issueApiKey(sys.runtime.core.keys, {
      role: "grid-worker",
      grid: "dongcheng/xinhua/renmin/g01",
      label: "test-worker-2",
    })
  ).key;
});
afterAll(async () => {
  await sys?.stop();
});

const patrol = (overrides: Record<string, unknown> = {}) => ({
  categoryId: "manhole",
  description: "保俶路口井盖松动，车辆经过有响声。",
  location: { address: "西湖区北山街道保俶路口", lat: 30.26, lng: 120.15 },
  ...overrides,
});

const today = () => {
  const now = new Date(Date.now() + 480 * 60_000);
  return now.toISOString().slice(0, 10);
};

describe("grid workers' patrol reports", () => {
  it("files a grid ticket in the worker's own grid, routed like any other; the same key is one ticket", async () => {
    const key = sys.keys["grid-worker"];
    const res = await sys.call("POST", "/v1/patrols/reports", {
      key,
      body: patrol(),
      headers: { "idempotency-key": "patrol-1" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ channel: "grid", requestType: "report", categoryId: "manhole" });
    const [district, street, community, grid] = sys.keys.demoGrid!.split("/");
    expect(res.body.location.area).toEqual({ district, street, community, grid });
    expect(["dispatched", "triage"]).toContain(res.body.status);
    const again = await sys.call("POST", "/v1/patrols/reports", {
      key,
      body: patrol(),
      headers: { "idempotency-key": "patrol-1" },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);

    const mine = await sys.call("GET", "/v1/patrols/mine", { key });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
    expect(mine.body.items[0]).toMatchObject({ ticketNo: res.body.ticketNo, statusText: expect.any(String) });
    const theirs = await sys.call("GET", "/v1/patrols/mine", { key: otherWorker });
    expect(theirs.body.items).toEqual([]);
  });

  it("handled on the spot (小事一格解决): filed and closed at once, never dispatched, still in the daily count", async () => {
    const key = sys.keys["grid-worker"];
    const res = await sys.call("POST", "/v1/patrols/reports", {
      key,
      body: patrol({ handledOnSite: true, result: "已将井盖复位并加固", description: "井盖移位" }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "closed", department: null });
    // Closed at once: nothing waits for a queue (the mark is internal, so read it from the store).
    expect((await sys.runtime.core.store.get(res.body.id))?.dispatchPending).toBe(false);
    expect(res.body.resolution).toEqual({ result: "已将井盖复位并加固", evidence: [] });
    expect(res.body.history.map((e: { type: string }) => e.type)).toEqual(["create", "handle-on-site"]);
    expect(res.body.history[1]).toMatchObject({ role: "grid-worker", to: "closed", data: { onSite: true } });
    const mine = await sys.call("GET", "/v1/patrols/mine", { key });
    expect(mine.body.items.map((i: { id: string }) => i.id)).not.toContain(res.body.id);
    const daily = await sys.call("GET", `/v1/patrols/daily?date=${today()}`, { key: sys.keys.dispatcher });
    const row = daily.body.grids.find((g: { grid: string }) => g.grid === sys.keys.demoGrid);
    expect(row.ticketNos).toContain(res.body.ticketNo);
  });

  it("代办: files for a resident, whose contact is the reporter; the filer is in the history", async () => {
    const res = await sys.call("POST", "/v1/patrols/reports", {
      key: sys.keys["grid-worker"],
      body: patrol({ resident: { name: "赵大爷", phone: "13700001234" } }),
    });
    expect(res.status).toBe(201);
    // The resident is the reporter; the grid worker's own view shows no contact (views per role), the store has it.
    expect(res.body.reporter.phone).toBeUndefined();
    expect((await sys.runtime.core.store.get(res.body.id))?.reporter).toMatchObject({
      name: "赵大爷",
      phone: "13700001234",
    });
    expect(res.body.history[0]).toMatchObject({ role: "grid-worker", data: { onBehalf: true } });
    const byPhone = await sys.call("GET", "/v1/tickets?phone=13700001234", { key: sys.keys.operator });
    expect(byPhone.body.items.map((t: { id: string }) => t.id)).toEqual([res.body.id]);
  });

  it.each([
    [{ handledOnSite: true }, "result"],
    [{ result: "done" }, "result"],
    [{ description: "" }, "description"],
    [{ location: { address: "" } }, "location.address"],
    [{ categoryId: "nope" }, "categoryId"],
    [{ resident: { phone: "abc" } }, "resident.phone"],
    [{ photos: ["uploads/x.png"] }, "photos"],
  ])("refuses %o naming the field, and stores nothing", async (patch, field) => {
    const before = await sys.call("GET", "/v1/patrols/mine", { key: otherWorker });
    const res = await sys.call("POST", "/v1/patrols/reports", { key: otherWorker, body: patrol(patch) });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/);
    const after = await sys.call("GET", "/v1/patrols/mine", { key: otherWorker });
    expect(after.body.items).toEqual(before.body.items);
  });

  it("only grid workers file patrol reports; operators and channels are refused", async () => {
    for (const key of [sys.keys.operator, sys.keys["channel:web"], sys.keys.dispatcher]) {
      const res = await sys.call("POST", "/v1/patrols/reports", { key, body: patrol() });
      expect(res.status).toBe(403);
    }
    expect((await sys.call("POST", "/v1/patrols/reports", { body: patrol() })).status).toBe(401);
  });
});

describe("zero reports and the daily view", () => {
  it("one zero report per worker per day: a repeat is 200 with the same record", async () => {
    const first = await sys.call("POST", "/v1/patrols/zero-report", {
      key: otherWorker,
      body: { note: "无新情况" },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ grid: "dongcheng/xinhua/renmin/g01", note: "无新情况" });
    const repeat = await sys.call("POST", "/v1/patrols/zero-report", { key: otherWorker });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    const bad = await sys.call("POST", "/v1/patrols/zero-report", { key: otherWorker, body: { what: 1 } });
    expect(bad.status).toBe(400);
  });

  it("shows each grid as reported, zero-reported or silent for dispatchers only", async () => {
    const res = await sys.call("GET", `/v1/patrols/daily?date=${today()}`, { key: sys.keys.dispatcher });
    expect(res.status).toBe(200);
    const status = Object.fromEntries(
      res.body.grids.map((g: { grid: string; status: string }) => [g.grid, g.status]),
    );
    expect(status[sys.keys.demoGrid!]).toBe("reported");
    expect(status["dongcheng/xinhua/renmin/g01"]).toBe("zero-reported");
    expect(status["dongcheng/heping/anle/g01"]).toBe("silent");
    expect(res.body.totals.reported + res.body.totals.zeroReported + res.body.totals.silent).toBe(
      res.body.grids.length,
    );
    const other = await sys.call("GET", "/v1/patrols/daily?date=2020-01-01", { key: sys.keys.dispatcher });
    expect(other.body.grids.every((g: { status: string }) => g.status === "silent")).toBe(true);
    expect(
      (await sys.call("GET", "/v1/patrols/daily?date=2020-13-45", { key: sys.keys.dispatcher })).body.error
        .field,
    ).toBe("date");
    expect((await sys.call("GET", "/v1/patrols/daily", { key: sys.keys.dispatcher })).status).toBe(400);
    expect((await sys.call("GET", `/v1/patrols/daily?date=${today()}`, { key: otherWorker })).status).toBe(
      403,
    );
  });
});
