/** The operations CLI against a running system: keys list / revoke, dlq list / redrive. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../shared/services/auth.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

const run = promisify(execFile);
let sys: TestSystem;
let dataDir: string;
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
  });

beforeAll(async () => {
  const config = defaultConfig();
  config.queues.visibilityTimeoutSeconds = 1;
  config.queues.maxReceiveCount = 1;
  sys = await startTestSystem("cli-ops", config);
  dataDir = mkdtempSync(join(tmpdir(), "cli-ops-"));
  writeFileSync(join(dataDir, "local-stack.json"), JSON.stringify(sys.settings));
});
afterAll(async () => {
  await sys?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("keys list and keys revoke", () => {
  it("lists keys by hash prefix and label, never the key; a revoked key is refused", async () => {
    const { key, record } = await issueApiKey(sys.runtime.core.keys, {
      role: "operator",
      label: "desk-revoke",
    });
    const list = await cli("keys", "list");
    expect(list.stdout).toContain(record.hash.slice(0, 12));
    expect(list.stdout).toContain("desk-revoke");
    expect(list.stdout).not.toContain(key);

    const revoked = await cli("keys", "revoke", record.hash.slice(0, 12));
    expect(revoked.stdout).toContain("revoked");
    expect(revoked.stderr).toContain("60 s");
    // This key was never looked up by the server before, so no cached answer stands in the way.
    expect((await sys.call("GET", "/v1/tickets?phone=13900001111", { key })).status).toBe(401);
    expect((await cli("keys", "list")).stdout).toMatch(/desk-revoke .*REVOKED/);
    await expect(cli("keys", "revoke", "no-such-label")).rejects.toMatchObject({
      stderr: expect.stringContaining("no such key"),
    });
  }, 60_000);
});

describe("dlq list and dlq redrive", () => {
  it("shows a ticket nobody accepted and offers it again", async () => {
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "drainage", title: "进了死信队列" }),
    });
    const water = sys.keys.departments.water!;
    const poll = async () =>
      (await sys.call("GET", "/v1/departments/water/inbox?wait=0", { key: water })).body.items.map(
        (i: { ticket: { id: string } }) => i.ticket.id,
      ) as string[];
    // Delivery from the table's stream is asynchronous: poll until it shows.
    let seen = false;
    for (let i = 0; i < 30 && !seen; i++) {
      seen = (await poll()).includes(t.id);
      if (!seen) await new Promise((r) => setTimeout(r, 300));
    }
    expect(seen).toBe(true);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await poll()).not.toContain(t.id); // → DLQ

    const list = await cli("dlq", "list");
    expect(list.stdout).toContain(t.ticketNo);
    expect(list.stdout).toContain("waiting");
    await new Promise((r) => setTimeout(r, 1100)); // the listing's 1 s look expires
    const redrive = await cli("dlq", "redrive");
    expect(redrive.stdout).toContain("redriven 1");
    expect(await poll()).toContain(t.id); // redrive sends directly
  }, 60_000);
});
