import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;
const xml = new XMLParser({
  parseTagValue: false,
  isArray: (name) =>
    ["service", "request", "error", "attribute", "value", "request_update", "format", "endpoint"].includes(
      name,
    ),
});

beforeAll(async () => {
  sys = await startTestSystem("open311");
});
afterAll(async () => {
  await sys?.stop();
});

async function get(path: string) {
  const res = await fetch(`${sys.baseUrl}/open311/v2/${path}`);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    text,
    doc: path.includes(".json") ? JSON.parse(text) : xml.parse(text),
  };
}

async function post(fields: Record<string, string>, format = "xml", headers: Record<string, string> = {}) {
  const res = await fetch(`${sys.baseUrl}/open311/v2/requests.${format}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, doc: format === "json" ? JSON.parse(text) : xml.parse(text) };
}

const lamp = (overrides: Record<string, string> = {}) => ({
  api_key: sys.keys["channel:open311"],
  jurisdiction_id: "demo-city",
  service_code: "street-light",
  lat: "30.2741",
  long: "120.1551",
  address_string: "西湖区北山街道保俶路 18 号门口",
  description: "路灯整晚不亮",
  "attribute[fault]": "dark",
  "attribute[pole_no]": "BS-0042",
  phone: "13577778888",
  first_name: "明",
  last_name: "陈",
  media_url: "https://photos.example.org/lamp.jpg",
  ...overrides,
});

describe("Open311 discovery and services", () => {
  it("discovery.xml and .json describe this endpoint", async () => {
    const x = await get("discovery.xml");
    expect(x.status).toBe(200);
    expect(x.type).toBe("text/xml; charset=utf-8");
    expect(x.text.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    expect(x.doc.discovery.endpoints.endpoint[0]).toMatchObject({
      specification: "http://wiki.open311.org/GeoReport_v2",
      url: `${sys.baseUrl}/open311/v2`,
      type: "production",
      formats: { format: ["text/xml", "application/json"] },
    });
    const j = await get("discovery.json");
    expect(j.type).toBe("application/json; charset=utf-8");
    expect(j.doc.endpoints[0].formats).toEqual(["text/xml", "application/json"]);
  });

  it("services are the categories: code, group = parent, keywords, metadata where attributes exist", async () => {
    const x = await get("services.xml?jurisdiction_id=demo-city");
    const light = x.doc.services.service.find(
      (s: { service_code: string }) => s.service_code === "street-light",
    );
    expect(light).toEqual({
      service_code: "street-light",
      service_name: "路灯",
      description: "路灯",
      metadata: "true",
      type: "realtime",
      keywords: "路灯, 灯不亮, 照明",
      group: "城乡建设",
    });
    expect(
      x.doc.services.service.find((s: { service_code: string }) => s.service_code === "drainage").metadata,
    ).toBe("false");
    const j = await get("services.json");
    expect(Array.isArray(j.doc)).toBe(true);
    expect(j.doc.find((s: { service_code: string }) => s.service_code === "street-light").metadata).toBe(
      true,
    );
  });

  it("service definitions list the attributes with their values", async () => {
    const x = await get("services/street-light.xml");
    const attrs = x.doc.service_definition.attributes.attribute;
    expect(x.doc.service_definition.service_code).toBe("street-light");
    expect(
      attrs.map((a: { code: string; order: string; required: string }) => [a.code, a.order, a.required]),
    ).toEqual([
      ["pole_no", "1", "false"],
      ["fault", "2", "true"],
    ]);
    expect(attrs[1].values.value[0]).toEqual({ key: "dark", name: "不亮 / not lit" });
    const j = await get("services/street-light.json");
    expect(j.doc.attributes[1].values[0]).toEqual({ key: "dark", name: "不亮 / not lit" });
    expect(j.doc.attributes[0]).toMatchObject({
      variable: true,
      datatype: "string",
      datatype_description: null,
    });
  });

  it("unknown service_code and wrong jurisdiction_id are 404 in the spec's error shape", async () => {
    const x = await get("services/nope.xml");
    expect(x.status).toBe(404);
    expect(x.doc.errors.error[0]).toEqual({ code: "404", description: "service_code not found: nope" });
    const j = await get("services.json?jurisdiction_id=other.gov");
    expect(j.status).toBe(404);
    expect(j.doc).toEqual([{ code: 404, description: "jurisdiction_id not found: other.gov" }]);
    expect((await get("nothing.txt")).status).toBe(404);
  });
});

describe("Open311 service requests", () => {
  it("POST files an open311 ticket (XML), a repeat of the same form is the same request, GET shows the public view", async () => {
    const res = await post(lamp());
    expect(res.status).toBe(201);
    const id = res.doc.service_requests.request[0].service_request_id;
    expect(id).toMatch(/^\d{8}-\d{6}$/);
    expect(res.text).toContain("<account_id/>");
    expect(res.text).not.toContain("<token>");
    const again = await post(lamp());
    expect(again.status).toBe(200);
    expect(again.doc.service_requests.request[0].service_request_id).toBe(id);

    const stored = (await sys.call("GET", "/v1/tickets?phone=13577778888", { key: sys.keys.operator })).body
      .items;
    expect(stored).toHaveLength(1);
    const ticket = (await sys.call("GET", `/v1/tickets/${stored[0].id}`, { key: sys.keys.operator })).body;
    expect(ticket).toMatchObject({
      channel: "open311",
      categoryId: "street-light",
      department: expect.any(String),
    });
    expect(ticket.reporter).toMatchObject({ name: "陈明", phone: "13577778888" });
    expect(ticket.description).toContain("故障情况：不亮 / not lit");
    expect(ticket.description).toContain("灯杆编号（灯杆上的铭牌）：BS-0042");
    expect(ticket.attachments).toEqual([{ ref: "https://photos.example.org/lamp.jpg", kind: "photo" }]);

    // The city's rules decide who gets it (the point's grid may make it a street office's small matter).
    await sys.call("POST", `/v1/tickets/${ticket.id}/actions`, {
      key: sys.keys.departments[ticket.department]!,
      body: { action: "accept", note: "已安排维修班组" },
    });
    const agency = sys.runtime.core.config.departments.find((d) => d.id === ticket.department)!.name;
    const one = await get(`requests/${id}.xml?jurisdiction_id=demo-city`);
    expect(one.status).toBe(200);
    const r = one.doc.service_requests.request[0];
    expect(r).toMatchObject({
      service_request_id: id,
      status: "open",
      status_notes: "已安排维修班组",
      service_name: "路灯",
      service_code: "street-light",
      agency_responsible: agency,
      media_url: "https://photos.example.org/lamp.jpg",
    });
    // Coarse: street, district, city — never the house number.
    expect(r.address).toMatch(/^\S+街道, \S+区, 示范市$/);
    expect(r.requested_datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(one.text).not.toContain("13577778888");
    expect(one.text).not.toContain("陈明");
    expect(one.text).not.toContain("保俶路 18 号");

    const j = await get(`requests/${id}.json`);
    expect(j.doc[0]).toMatchObject({ service_request_id: id, status: "open", lat: 30.2741, long: 120.1551 });

    const updates = await get("servicerequestupdates.xml");
    const mine = updates.doc.service_requests_updates.request_update.filter(
      (u: { service_request_id: string }) => u.service_request_id === id,
    );
    expect(mine).toEqual([
      {
        update_id: `${id}-2`,
        service_request_id: id,
        status: "in_progress",
        updated_datetime: expect.stringMatching(/\+08:00$/),
        description: "已安排维修班组",
        media_url: "",
      },
    ]);

    const token = await get(`tokens/${ticket.id}.xml`);
    expect(token.doc.service_requests.request[0]).toEqual({ service_request_id: id, token: ticket.id });
    expect((await get("tokens/unknown.xml")).status).toBe(404);
  });

  it("POST as JSON, and the client's request id as the idempotency key", async () => {
    const first = await post(
      lamp({ description: "灯闪烁", "attribute[fault]": "flicker", phone: "13577770000" }),
      "json",
      { "idempotency-key": "fms-1001" },
    );
    expect(first.status).toBe(201);
    expect(first.doc).toEqual([
      {
        service_request_id: expect.stringMatching(/^\d{8}-\d{6}$/),
        service_notice: expect.any(String),
        account_id: null,
      },
    ]);
    const again = await post(
      lamp({ description: "灯闪烁", "attribute[fault]": "flicker", phone: "13577770000" }),
      "json",
      { "idempotency-key": "fms-1001" },
    );
    expect(again.doc[0].service_request_id).toBe(first.doc[0].service_request_id);
  });

  it.each([
    [{ api_key: "" }, 403, "api_key was not provided"],
    [{ api_key: "not-a-key" }, 403, "invalid api_key"],
    [{ service_code: "" }, 400, "service_code was not provided"],
    [{ service_code: "nope" }, 404, "service_code not found: nope"],
    [{ jurisdiction_id: "other.gov" }, 404, "jurisdiction_id not found: other.gov"],
    [{ "attribute[fault]": "" }, 400, "attribute[fault] is required for service_code street-light"],
    [
      { "attribute[fault]": "exploded" },
      400,
      "attribute[fault] has a value that is not in the service definition",
    ],
    [
      { lat: "", long: "", address_string: "" },
      400,
      "a location is required: lat and long, address_string or address_id",
    ],
    [{ long: "" }, 400, "lat and long must be sent together"],
    [{ phone: "call me" }, 400, "phone is not a phone number"],
    [{ media_url: "javascript:alert(1)" }, 400, "media_url must be an http(s) URL"],
  ])("refuses %o with %i and stores nothing", async (patch, status, description) => {
    const res = await post(
      lamp({
        ...patch,
        phone: (patch as { phone?: string }).phone ?? "13500005555",
        description: `拒绝 ${JSON.stringify(patch)}`,
      }),
    );
    expect(res.status).toBe(status);
    expect(res.doc.errors.error).toEqual([{ code: String(status), description }]);
    const list = await sys.call("GET", "/v1/tickets?phone=13500005555", { key: sys.keys.operator });
    expect(list.body.items).toEqual([]);
  });

  it("a key of another role or channel is 403", async () => {
    for (const key of [sys.keys["channel:web"], sys.keys.operator]) {
      const res = await post(lamp({ api_key: key, phone: "13500006666" }));
      expect(res.status).toBe(403);
    }
  });

  it("GET requests filters by ids, service_code, status and dates (at most 90 days)", async () => {
    const a = (
      await post(lamp({ description: "灯杆歪了", "attribute[fault]": "damaged", phone: "13511110001" }))
    ).doc.service_requests.request[0].service_request_id;
    const b = (await post(lamp({ service_code: "drainage", description: "井盖响", phone: "13511110002" })))
      .doc.service_requests.request[0].service_request_id;
    const byIds = await get(`requests.xml?service_request_id=${a},${b},20000101-000001`);
    expect(
      byIds.doc.service_requests.request
        .map((r: { service_request_id: string }) => r.service_request_id)
        .sort(),
    ).toEqual([a, b].sort());
    const drains = await get("requests.json?service_code=drainage");
    expect(drains.doc.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([b]);
    const closed = await get("requests.xml?status=closed");
    expect(closed.text).toContain("<service_requests");
    expect(closed.doc.service_requests.request ?? []).toEqual([]);
    const open = await get("requests.json?status=open");
    expect(open.doc.length).toBeGreaterThanOrEqual(2);
    const old = await get("requests.json?start_date=2010-01-01T00:00:00Z&end_date=2010-02-01T00:00:00Z");
    expect(old.doc).toEqual([]);
    const wide = await get("requests.xml?start_date=2010-01-01T00:00:00Z&end_date=2010-12-01T00:00:00Z");
    expect(wide.status).toBe(400);
    expect(wide.doc.errors.error[0].description).toBe("the date range may not span more than 90 days");
    expect((await get("requests.xml?start_date=yesterday")).status).toBe(400);
    expect((await get("requests.xml?status=pending")).status).toBe(400);
  });
});
