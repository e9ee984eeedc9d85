/** Hostile text through the API is refused and changes nothing; text already stored never reaches a terminal raw. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTicket } from "../../shared/domain/lifecycle.js";
import { report, startTestSystem, type TestSystem } from "../support/system.js";

const run = promisify(execFile);
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem("text");
});
afterAll(async () => {
  await sys?.stop();
});

describe("text hygiene at the API", () => {
  it("refuses hostile text and impossible phone numbers with a 400 naming the field, storing nothing", async () => {
    const phone = "13700007777";
    const cases: [Record<string, unknown>, string][] = [
      [{ title: "a\u0000b" }, "title"],
      [{ title: "\u001b[2J清屏" }, "title"],
      [{ description: "正常\u202e文字" }, "description"],
      [{ title: "\u200b\u200b" }, "title"],
      [{ location: { address: "路\ud800" } }, "location.address"],
      [{ reporter: { phone: "00000" } }, "reporter.phone"],
      [{ reporter: { phone: "+00000000000000000000" } }, "reporter.phone"],
      [{ reporter: { name: "李\u0007四", phone } }, "reporter.name"],
    ];
    for (const [override, field] of cases) {
      const res = await sys.call("POST", "/v1/tickets", {
        key: sys.keys.operator,
        body: report({ reporter: { phone }, ...override }),
      });
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    const list = await sys.call("GET", `/v1/tickets?phone=${phone}`, { key: sys.keys.operator });
    expect(list.body.items).toHaveLength(0);
  });
});

describe("npm run cli -- show", () => {
  it("writes no escape code to the terminal even for text stored before the rule", async () => {
    const now = new Date();
    const ticket = newTicket(
      {
        id: "legacy-escape-ticket",
        ticketNo: "20260101-999999",
        channel: "hotline",
        requestType: "complaint",
        title: "\u001b[31m红色标题\u001b]0;pwned\u0007",
        description: "\u009b2J",
        categoryId: null,
        categorySource: null,
        suggestion: null,
        location: { address: "某路\u202e1号" },
        reporter: { anonymous: true },
        attachments: [],
        urgency: "normal",
      },
      { id: "op", role: "operator" },
      now,
    );
    await sys.runtime.core.store.create(ticket, null);
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/cli.ts",
        "show",
        ticket.id,
        "--api",
        sys.baseUrl,
        "--key",
        sys.keys.dispatcher,
      ],
      { env: { ...process.env, DATA_DIR: "/nonexistent" } },
    );
    expect(stdout).toContain("红色标题");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that no control character is left
    expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  }, 30_000);
});
