import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;
let limited: TestSystem;

beforeAll(async () => {
  // Generous limits here (this file files many reports from one address); `limited` checks the limits.
  const open = defaultConfig();
  open.publicAccess = { ...open.publicAccess, reportsPerWindow: 1000, lookupsPerWindow: 1000 };
  sys = await startTestSystem("public", open);
  const config = defaultConfig();
  config.publicAccess = {
    ...config.publicAccess,
    reportsPerWindow: 2,
    lookupsPerWindow: 3,
    windowSeconds: 3600,
  };
  limited = await startTestSystem("public-limited", config);
});
afterAll(async () => {
  await Promise.all([sys?.stop(), limited?.stop()]);
});

const form = (overrides: Record<string, unknown> = {}) => ({
  categoryId: "drainage",
  description: "东城区新华街道人民路口的下水道堵了，雨后积水很深。",
  address: "东城区新华街道人民路12号",
  phone: "13812345678",
  name: "王五",
  consent: true,
  ...overrides,
});

async function upload(s: TestSystem, bytes: Buffer, contentType = "image/png") {
  const presigned = await s.call("POST", "/v1/public/uploads", { body: { contentType, size: bytes.length } });
  expect(presigned.status).toBe(201);
  const put = await fetch(`${s.baseUrl}${presigned.body.url}`, {
    method: "PUT",
    headers: presigned.body.headers,
    body: bytes,
  });
  return { ref: presigned.body.ref as string, put: put.status };
}

describe("POST /v1/public/reports (web form, no key)", () => {
  it("files a web ticket; the same draft key returns the same ticket", async () => {
    const first = await sys.call("POST", "/v1/public/reports", {
      body: form(),
      headers: { "idempotency-key": "draft-1" },
    });
    expect(first.status).toBe(201);
    expect(first.body.ticketNo).toMatch(/^\d{8}-\d{6}$/);
    expect(Object.keys(first.body).sort()).toEqual(["createdAt", "status", "ticketNo"]);
    const again = await sys.call("POST", "/v1/public/reports", {
      body: form(),
      headers: { "idempotency-key": "draft-1" },
    });
    expect(again.status).toBe(200);
    expect(again.body.ticketNo).toBe(first.body.ticketNo);

    const list = await sys.call("GET", "/v1/tickets?phone=13812345678", { key: sys.keys.operator });
    expect(
      list.body.items.filter((t: { ticketNo: string }) => t.ticketNo === first.body.ticketNo),
    ).toHaveLength(1);
    const stored = await sys.call("GET", `/v1/tickets/${list.body.items[0].id}`, { key: sys.keys.operator });
    expect(stored.body).toMatchObject({ channel: "web", categoryId: "drainage", status: "dispatched" });
    expect(stored.body.history[0]).toMatchObject({ actor: "web-form", role: "channel" });
  });

  it.each([
    [{ description: "坏" }, "description"],
    [{ address: "" }, "address"],
    [{ phone: "12345" }, "phone"],
    [{ consent: false }, "consent"],
    [{ categoryId: "no-such" }, "categoryId"],
    [{ photos: ["uploads/00000000-0000-0000-0000-000000000000.png"] }, "photos"],
    [{ extra: 1 }, ""],
  ])("refuses %o naming the field, in Chinese and English, and stores nothing", async (patch, field) => {
    const res = await sys.call("POST", "/v1/public/reports", {
      body: form({ ...patch, phone: (patch as { phone?: string }).phone ?? "13700000009" }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    if (field) expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/);
    const list = await sys.call("GET", "/v1/tickets?phone=13700000009", { key: sys.keys.operator });
    expect(list.body.items).toEqual([]);
  });

  it("attaches photos uploaded through the presigned PUT", async () => {
    const photo = await upload(sys, Buffer.alloc(2048, 7));
    expect(photo.put).toBe(200);
    const res = await sys.call("POST", "/v1/public/reports", {
      body: form({ photos: [photo.ref], phone: "13600000001" }),
    });
    expect(res.status).toBe(201);
    const list = await sys.call("GET", "/v1/tickets?phone=13600000001", { key: sys.keys.operator });
    const ticket = await sys.call("GET", `/v1/tickets/${list.body.items[0].id}`, { key: sys.keys.operator });
    expect(ticket.body.attachments).toEqual([{ ref: photo.ref, kind: "photo" }]);
  });
});

describe("POST /v1/public/uploads", () => {
  it("refuses a 20 MB photo and a non-image, in Chinese, before anything is stored", async () => {
    const big = await sys.call("POST", "/v1/public/uploads", {
      body: { contentType: "image/jpeg", size: 20 * 1024 * 1024 },
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: "payload_too_large", field: "size" });
    expect(big.body.error.message).toContain("照片不能超过 5 MB");
    const pdf = await sys.call("POST", "/v1/public/uploads", {
      body: { contentType: "application/pdf", size: 10 },
    });
    expect(pdf.status).toBe(400);
    expect(pdf.body.error.field).toBe("contentType");
  });

  it("the storage refuses a body of another size than the one signed, or a forged signature", async () => {
    const presigned = await sys.call("POST", "/v1/public/uploads", {
      body: { contentType: "image/png", size: 10 },
    });
    const longer = await fetch(`${sys.baseUrl}${presigned.body.url}`, {
      method: "PUT",
      headers: presigned.body.headers,
      body: Buffer.alloc(5000),
    });
    expect(longer.status).toBe(400);
    const forged = await fetch(`${sys.baseUrl}${presigned.body.url.replace(/sig=[0-9a-f]{4}/, "sig=0000")}`, {
      method: "PUT",
      headers: presigned.body.headers,
      body: Buffer.alloc(10),
    });
    expect(forged.status).toBe(403);
    const res = await sys.call("POST", "/v1/public/reports", {
      body: form({ photos: [presigned.body.ref], phone: "13600000002" }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("photos");
  });
});

describe("GET /v1/public/tickets/{ticketNo}", () => {
  it("shows the public view only: no phone, name, address, department notes or ids", async () => {
    const filed = await sys.call("POST", "/v1/public/reports", { body: form({ phone: "13512340000" }) });
    const no = filed.body.ticketNo;
    const list = await sys.call("GET", "/v1/tickets?phone=13512340000", { key: sys.keys.operator });
    const id = list.body.items[0].id;
    const water = sys.keys.departments.water!;
    await sys.call("POST", `/v1/tickets/${id}/actions`, {
      key: water,
      body: { action: "accept", note: "已安排疏通" },
    });
    await sys.call("POST", `/v1/tickets/${id}/actions`, {
      key: water,
      body: { action: "return", reason: "内部：不归我们管" },
    });

    const res = await sys.call("GET", `/v1/public/tickets/${no}?phone4=0000`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ticketNo: no,
      status: "triage",
      statusText: "分派中",
      category: { id: "drainage", name: "排水设施（污水井、下水道）" },
      area: "东城区 新华街道",
    });
    expect(res.body.progress).toEqual([{ at: expect.any(String), status: "accepted", note: "已安排疏通" }]);
    const text = JSON.stringify(res.body);
    for (const secret of ["13512340000", "王五", "人民路12号", "不归我们管", id, "water"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("answers the same 404 for an unknown number and for wrong digits; 400 for malformed input", async () => {
    const filed = await sys.call("POST", "/v1/public/reports", { body: form({ phone: "13512349999" }) });
    const wrong = await sys.call("GET", `/v1/public/tickets/${filed.body.ticketNo}?phone4=1234`);
    const unknown = await sys.call("GET", "/v1/public/tickets/20000101-999999?phone4=9999");
    expect(wrong.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(wrong.body).toEqual(unknown.body);
    const bad = await sys.call("GET", `/v1/public/tickets/${filed.body.ticketNo}?phone4=12`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("phone4");
    const badNo = await sys.call("GET", "/v1/public/tickets/abc?phone4=1234");
    expect(badNo.body.error.field).toBe("ticketNo");
  });
});

describe("GET /v1/public/config", () => {
  it("lists the categories and the photo limits", async () => {
    const res = await sys.call("GET", "/v1/public/config");
    expect(res.status).toBe(200);
    expect(res.body.categories).toContainEqual({
      id: "drainage",
      name: "排水设施（污水井、下水道）",
      parent: "urban-construction",
    });
    expect(res.body.photos).toEqual({
      maxBytes: 5 * 1024 * 1024,
      types: ["image/jpeg", "image/png", "image/webp"],
      max: 3,
      enabled: true,
    });
  });
});

describe("per-client rate limits", () => {
  it("answers 429 with Retry-After past the window's limit, and files nothing more", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await limited.call("POST", "/v1/public/reports", { body: form({ phone: "13400000000" }) });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(res.body.error.code).toBe("too_many_requests");
      }
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
    const list = await limited.call("GET", "/v1/tickets?phone=13400000000", { key: limited.keys.operator });
    expect(list.body.items).toHaveLength(2);

    const lookups = [];
    for (let i = 0; i < 4; i++)
      lookups.push((await limited.call("GET", "/v1/public/tickets/20000101-000001?phone4=1234")).status);
    expect(lookups).toEqual([404, 404, 404, 429]);
  });
});
