import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
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
  const env = () => ({
    ...process.env,
    DATA_DIR: dataDir,
    SWEEP_INTERVAL_SECONDS: "2",
    WECHAT_OA_TOKEN: "starttoken01",
    WECHAT_OA_APPID: "wx00000000000000aa",
  });

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
    // The keys are in the file only: never in the log.
    for (const key of [
      saved.keys.operator,
      saved.keys.dispatcher,
      ...Object.values(saved.keys.departments),
    ]) {
      expect(output).not.toContain(key as string);
    }
    expect(output).toContain(file);
    expect(statSync(join(dataDir, "secret")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, "local-stack.json"), "utf8")).not.toContain("secret");
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
    // Six CLI processes, each a cold tsx start: slow on a loaded machine, not a performance target.
  }, 90_000); // eight CLI processes, each starting tsx, on a shared machine

  it("restarts DynamoDB Local when it dies, and keeps what was stored", async () => {
    const keys = JSON.parse(readFileSync(join(dataDir, "local-keys.json"), "utf8")).keys;
    const res = await fetch(`${baseUrl}/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.operator}`, "content-type": "application/json" },
      body: JSON.stringify({
        title: "重启前的工单",
        description: "东城区新华街道路灯不亮。",
        categoryId: "street-light",
        location: { address: "东城区新华街道人民路1号" },
        reporter: { phone: "13500006666" },
      }),
    });
    const ticket = (await res.json()) as { id: string };
    // This run's own JVM: the one whose -dbPath is this test's data directory.
    const { stdout } = await run("ps", ["-eo", "pid=,args="]);
    const java = stdout
      .split("\n")
      .find((l) => l.includes(join(dataDir, "dynamodb")) && l.includes("java") && !l.includes("sh -c"));
    expect(java).toBeTruthy();
    process.kill(Number(java!.trim().split(/\s+/)[0]), "SIGKILL");
    const deadline = Date.now() + 60_000;
    let health = 0;
    while (Date.now() < deadline) {
      health = await fetch(`${baseUrl}/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (health === 200 && output.includes("DynamoDB Local: restarted")) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(health).toBe(200);
    expect(output).toContain("DynamoDB Local: DynamoDB Local exited");
    const again = await fetch(`${baseUrl}/v1/tickets/${ticket.id}`, {
      headers: { authorization: `Bearer ${keys.operator}` },
    });
    expect(again.status).toBe(200);
  }, 90_000);

  it("enables the WeChat Official Account callback when its settings are given, and prints its URL", async () => {
    expect(output).toContain(`${baseUrl}/v1/channels/wechat-oa`);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = "42";
    const signature = createHash("sha1")
      .update(["starttoken01", timestamp, nonce].sort().join(""))
      .digest("hex");
    const res = await fetch(
      `${baseUrl}/v1/channels/wechat-oa?${new URLSearchParams({ signature, timestamp, nonce, echostr: "hello" })}`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello");
  });

  it("npm run bot relays a resident's messages (mock puppet, stdin) and answers its health check", async () => {
    const healthPort = await freePort();
    const bot = spawn(process.execPath, ["--import", "tsx", "scripts/bot.ts"], {
      env: { ...env(), BOT_HEALTH_PORT: String(healthPort), BOT_HEALTH_HOST: "127.0.0.1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    bot.stdout?.on("data", (d) => {
      out += d;
    });
    bot.stderr?.on("data", (d) => {
      out += d;
    });
    try {
      await expect.poll(() => out, { timeout: 30_000 }).toContain("type a message");
      const health = () =>
        fetch(`http://127.0.0.1:${healthPort}/health`).then(
          (r) => r.status,
          (e: Error) => `${String((e.cause as Error)?.message)}\n${out}`,
        );
      await expect.poll(health, { timeout: 10_000 }).toBe(200);
      bot.stdin?.write("东城区新华街道人民路88号门口井盖丢了\n");
      await expect.poll(() => out, { timeout: 15_000 }).toContain("请确认");
      bot.stdin?.write("确认\n");
      await expect.poll(() => out, { timeout: 15_000 }).toMatch(/工单号 \d{8}-\d{6}/);
    } finally {
      const exited = new Promise((r) => bot.once("exit", r));
      bot.kill("SIGINT");
      await exited;
    }
  }, 90_000);

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
