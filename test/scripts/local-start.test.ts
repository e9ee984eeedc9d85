import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local/stand-ins.js";

const run = promisify(execFile);

/** `npm start` as a user runs it: its own DynamoDB Local with data on disk, keys file, CLI, clean Ctrl-C. */
describe("npm start (local runtime) and the department CLI", () => {
  let child: ChildProcess;
  let dataDir: string;
  let baseUrl: string;
  let output = "";
  const env = () => ({ ...process.env, DATA_DIR: dataDir, SWEEP_INTERVAL_SECONDS: "2" });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "intake-start-"));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ["--import", "tsx", "scripts/local.ts"], {
      env: { ...env(), PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => {
      output += d;
    });
    child.stderr?.on("data", (d) => {
      output += d;
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ok = await fetch(`${baseUrl}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`npm start did not become healthy:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("prints the URLs and writes the demo keys to a mode-600 file", () => {
    expect(output).toContain(baseUrl);
    const file = join(dataDir, "local-keys.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.apiUrl).toBe(baseUrl);
    expect(saved.keys.operator).toMatch(/^cri_/);
    expect(Object.keys(saved.keys.departments)).toContain("water");
  });

  it("a department works its inbox with the CLI", async () => {
    const keys = JSON.parse(readFileSync(join(dataDir, "local-keys.json"), "utf8")).keys;
    const res = await fetch(`${baseUrl}/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.operator}`, "content-type": "application/json" },
      body: JSON.stringify({
        title: "楼下下水道堵塞",
        description: "西湖区北山街道保俶社区楼下下水道堵塞，污水漫到路上。",
        categoryId: "drainage",
        location: { address: "西湖区北山街道保俶路1号" },
        reporter: { phone: "13500005555" },
      }),
    });
    const ticket = (await res.json()) as { id: string };
    expect(res.status).toBe(201);

    const cli = (...args: string[]) =>
      run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { env: env() });
    const inbox = await cli("inbox", "--dept", "water", "--wait", "1");
    expect(inbox.stdout).toContain(ticket.id);
    const lease = /lease (\S+)/.exec(inbox.stdout)?.[1];
    expect(lease).toBeTruthy();
    const accepted = await cli("act", ticket.id, "accept", "--lease", lease!);
    expect(accepted.stdout).toContain("[accepted]");
    const resolved = await cli("act", ticket.id, "resolve", "--result", "已疏通");
    expect(resolved.stdout).toContain("[resolved]");
    const verified = await cli("act", ticket.id, "verify", "--pass");
    expect(verified.stdout).toContain("[closed]");

    const key = await cli("keys", "create", "--role", "department", "--dept", "eco");
    const created = JSON.parse(key.stdout);
    expect(created).toMatchObject({ role: "department", department: "eco" });
    const poll = await fetch(`${baseUrl}/v1/departments/eco/inbox?wait=0`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(poll.status).toBe(200);

    await expect(cli("keys", "create", "--role", "department")).rejects.toMatchObject({
      stderr: expect.stringContaining("--dept"),
    });
  });

  it("stops everything cleanly on Ctrl-C", async () => {
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const { stdout } = await run("ps", ["-eo", "args"]);
    expect(stdout).not.toContain(join(dataDir, "dynamodb"));
  });
});

describe("npm start with a bad configuration", () => {
  it("stops before starting anything, naming the file and the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "intake-badcfg-"));
    try {
      const city = JSON.parse(readFileSync("shared/config/city.json", "utf8"));
      city.routing[3].department = "no-such-department";
      const file = join(dir, "city.json");
      writeFileSync(file, JSON.stringify(city));
      // the grid polygons the configuration references, next to it
      writeFileSync(join(dir, city.geo.gridsFile), readFileSync(`shared/config/${city.geo.gridsFile}`));
      const failed = run(process.execPath, ["--import", "tsx", "scripts/local.ts"], {
        env: { ...process.env, CITY_CONFIG: file, DATA_DIR: join(dir, "data"), PORT: "0" },
      });
      await expect(failed).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(
          `${file}: routing.3.department: unknown department no-such-department`,
        ),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
