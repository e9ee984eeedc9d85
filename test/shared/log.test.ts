import { describe, expect, it } from "vitest";
import { createLogger, errorFields, type LogLevel, maskName, maskPhone, redact } from "../../shared/log.js";

function capture(base: Record<string, unknown> = {}, minLevel: LogLevel = "info") {
  const lines: string[] = [];
  const logger = createLogger(base, (line) => lines.push(line), minLevel);
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const MOBILE = "13987654321";
const OTHER_MOBILE = "15011112222";

/** What a masked mobile must look like: first three and last four digits kept, the middle hidden. */
function expectMaskedMobile(text: string, mobile: string) {
  expect(text).not.toContain(mobile);
  expect(text).toContain(`${mobile.slice(0, 3)}****${mobile.slice(-4)}`);
}

describe("createLogger", () => {
  it("writes one JSON object per event on a single line, with level, time and message", () => {
    const { logger, lines, records } = capture({ service: "intake" });
    logger.log("info", "ticket created\nsecond line", { ticketId: "t-1", nested: { text: "a\nb" } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    const record = records()[0]!;
    expect(record).toMatchObject({
      level: "info",
      msg: "ticket created\nsecond line",
      service: "intake",
      ticketId: "t-1",
      nested: { text: "a\nb" },
    });
    expect(new Date(String(record.time)).toISOString()).toBe(record.time);
  });

  it("drops events below the minimum level", () => {
    const { logger, records } = capture({}, "warn");
    logger.log("debug", "noise");
    logger.log("info", "still noise");
    logger.log("warn", "kept");
    logger.log("error", "kept too");
    expect(records().map((r) => r.level)).toEqual(["warn", "error"]);
  });

  it("child loggers add their fields to every line, and the event's own fields win", () => {
    const { logger, records } = capture({ service: "actions" });
    const child = logger.child({ requestId: "req-9", ticketId: "t-old" });
    child.log("info", "step", { ticketId: "t-new" });
    child.child({ attempt: 2 }).log("warn", "retry");
    const [first, second] = records();
    expect(first).toMatchObject({ service: "actions", requestId: "req-9", ticketId: "t-new" });
    expect(second).toMatchObject({ service: "actions", requestId: "req-9", ticketId: "t-old", attempt: 2 });
  });

  it("masks phone fields, wherever they are nested", () => {
    const { logger, lines } = capture();
    logger.log("info", "reporter", {
      phone: MOBILE,
      reporter: { phone: OTHER_MOBILE, anonymous: false },
      reporterPhone: "0571-8765-4321",
    });
    const line = lines[0]!;
    expectMaskedMobile(line, MOBILE);
    expectMaskedMobile(line, OTHER_MOBILE);
    expect(line.replace(/\D/g, "")).not.toContain("057187654321");
  });

  it("masks mobile numbers inside free text, in the message and in any field", () => {
    const { logger, lines } = capture();
    logger.log("info", `callback requested on ${MOBILE}`, {
      description: `please call ${OTHER_MOBILE} after 6pm`,
      notes: [`alt ${MOBILE}`],
    });
    const line = lines[0]!;
    expectMaskedMobile(line, MOBILE);
    expectMaskedMobile(line, OTHER_MOBILE);
  });

  it("does not mangle ids, ticket numbers and timestamps that merely contain digits", () => {
    const { logger, records } = capture();
    const fields = { ticketNo: "20261122-000123", epochMs: "1763798400000", version: 12 };
    logger.log("info", "x", fields);
    expect(records()[0]).toMatchObject(fields);
  });

  it("masks reporter names, keeping only the first character", () => {
    const { logger, lines, records } = capture();
    logger.log("info", "reporter", { reporter: { name: "欧阳明月" }, reporterName: "李四" });
    const line = lines[0]!;
    expect(line).not.toContain("欧阳明月");
    expect(line).not.toContain("明月");
    expect(line).not.toContain("李四");
    const reporter = records()[0]!.reporter as { name: string };
    expect([...reporter.name][0]).toBe("欧");
    expect(reporter.name).toContain("*");
  });

  it("hides authorization headers and API keys completely", () => {
    const { logger, lines, records } = capture();
    const token = "cri_depa_s3cr3t-token-value";
    logger.log("info", "request", {
      headers: { Authorization: `Bearer ${token}`, "X-Api-Key": token, "content-type": "application/json" },
      authorization: token,
    });
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).not.toContain("s3cr3t");
    const headers = records()[0]!.headers as Record<string, string>;
    expect(headers["content-type"]).toBe("application/json");
  });

  it("does not change the caller's objects", () => {
    const { logger } = capture();
    const fields = { reporter: { name: "张三", phone: MOBILE } };
    const copy = structuredClone(fields);
    logger.log("info", "x", fields);
    expect(fields).toEqual(copy);
  });

  it("survives deeply nested values", () => {
    const { logger, records } = capture();
    let deep: Record<string, unknown> = { phone: MOBILE };
    for (let i = 0; i < 20; i++) deep = { inner: deep };
    logger.log("info", "deep", { deep });
    expect(JSON.stringify(records()[0])).not.toContain(MOBILE);
  });

  it("masks a mobile number with the +86 country code inside free text", () => {
    const { logger, lines } = capture();
    logger.log("info", `reporter said: call +86${MOBILE} or 86${OTHER_MOBILE}`);
    expect(lines[0]).not.toContain(MOBILE);
    expect(lines[0]).not.toContain(OTHER_MOBILE);
  });

  it("masks a mobile number written in groups inside free text", () => {
    const { logger, lines } = capture();
    const grouped = `${MOBILE.slice(0, 3)}-${MOBILE.slice(3, 7)}-${MOBILE.slice(7)}`;
    const spaced = `${OTHER_MOBILE.slice(0, 3)} ${OTHER_MOBILE.slice(3, 7)} ${OTHER_MOBILE.slice(7)}`;
    logger.log("info", `call ${grouped} or ${spaced}`);
    expect(lines[0]).not.toContain(grouped);
    expect(lines[0]).not.toContain(spaced);
  });
});

describe("masking helpers", () => {
  it("maskPhone keeps three leading and four trailing digits", () => {
    expect(maskPhone(MOBILE)).toBe(`${MOBILE.slice(0, 3)}****${MOBILE.slice(-4)}`);
    expect(maskPhone("139 8765-4321")).toBe(maskPhone(MOBILE));
    expect(maskPhone("12345")).toBe("****");
  });

  it("maskName keeps the first character (by code point) only", () => {
    expect(maskName("王")).toBe("*");
    expect(maskName("王小明")).toBe("王**");
    expect(maskName("𠀋子")).toBe("𠀋*");
  });

  it("redact leaves non-sensitive scalars alone", () => {
    expect(redact(42)).toBe(42);
    expect(redact(null)).toBeNull();
    expect(redact({ ok: true, count: 3 })).toEqual({ ok: true, count: 3 });
  });

  it("errorFields gives the error's name and message, never the stack", () => {
    const err = new TypeError("boom");
    expect(errorFields(err)).toEqual({ error: "TypeError", errorMessage: "boom" });
    expect(errorFields("plain")).toEqual({ error: "plain" });
  });
});

describe("masking in text, issue #13", () => {
  const line = (msg: string, fields: Record<string, unknown> = {}) => {
    const { logger, lines } = capture();
    logger.log("info", msg, fields);
    return lines[0]!;
  };

  it("leaves UUIDs, ticket numbers, timestamps and hashes intact", () => {
    const id = "75f8a197-1987-4835-9a3c-0123456789ab";
    const out = line(`ticket ${id} 20261122-000123`, {
      ticketId: id,
      at: "2026-11-22T10:00:00.000Z",
      hash: "ab".repeat(32),
    });
    expect(out).toContain(id);
    expect(JSON.parse(out).ticketId).toBe(id);
    expect(out).toContain("20261122-000123");
    expect(out).toContain("2026-11-22T10:00:00.000Z");
  });

  it("masks landlines, foreign numbers and ID-card numbers in text", () => {
    const out = line("来电 0571-87654321，另 (010) 6512 3456、+1 415 555 2671、身份证 11010519491231002X");
    for (const clear of ["87654321", "6512 3456", "555 2671", "19491231"]) expect(out).not.toContain(clear);
    expect(out).toContain("0571-****4321");
  });

  it("masks the reporter's name wherever it appears, and titled or labelled names in text", () => {
    const out = line("欧阳明月 反映：张先生和联系人：赵小六 都来过", { reporter: { name: "欧阳明月" } });
    for (const clear of ["欧阳明月", "阳明月", "张先生", "赵小六"]) expect(out).not.toContain(clear);
    expect(out).toContain("欧***");
  });

  it("never writes an API key, a lease token or a receipt handle", () => {
    const apiKey = `cri_oper_${"A1b2".repeat(8)}`;
    const lease = `l1.${"x9Y_".repeat(20)}`;
    const handle = "AQEB".repeat(40);
    const out = line(`auth ${apiKey} failed`, {
      leaseToken: lease,
      error: `ReceiptHandleIsInvalid: ${handle}`,
      note: `given ${lease}`,
    });
    for (const secret of [apiKey, lease, handle]) expect(out).not.toContain(secret);
  });
});
