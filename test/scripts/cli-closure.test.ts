import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "cli-closure-"));
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
    env: { ...process.env, DATA_DIR: dir, ...env },
  });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("closure-loop CLI commands", () => {
  it("calendar, outbox and a sweep that refuses AWS", async () => {
    writeFileSync(
      join(dir, "sms-outbox.jsonl"),
      `${JSON.stringify({ at: "2026-04-01T02:00:00.000Z", to: "139****1111", ticketNo: "20260401-000001", kind: "callback", text: "【12345】请评价" })}\n`,
    );
    const [calendar, outbox, sweep, noLocal] = await Promise.all([
      cli(["calendar", "2026-02"]),
      cli(["outbox"]),
      cli(["sweep", "--at", "2026-02-24T09:00:00+08:00"], { TABLE_NAME: "intake-tickets" }).catch((e) => e),
      cli(["sweep"]).catch((e) => e),
    ]);
    expect(calendar.stdout).toContain("2026-02  working days: 16");
    expect(calendar.stdout).toMatch(/2026-02-14 周六 {2}work {2}调休上班 {2}春节/);
    expect(calendar.stdout).toMatch(/2026-02-16 周一 {2}rest {2}节假日 {2}春节/);
    expect(outbox.stdout).toContain("to 139****1111  20260401-000001  [callback]  【12345】请评价");
    expect(sweep.code).toBe(1);
    expect(sweep.stderr).toContain("local system only");
    expect(noLocal.code).toBe(1);
    expect(noLocal.stderr).toContain("npm start");
  }, 60_000);
});
