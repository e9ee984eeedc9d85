/**
 * `npm run bot`: the WeChat bot as a long-running process (a container in production).
 *   WECHATY_PUPPET               puppet package (default wechaty-puppet-mock: no account needed; stdin speaks
 *                                as a demo resident)
 *   WECHATY_PUPPET_SERVICE_TOKEN token for wechaty-puppet-service (production)
 *   INTAKE_API_URL / INTAKE_API_KEY   the intake API and a `channel:wechat` key (default: .data/local-keys.json)
 *   BOT_HEALTH_PORT              GET /health: 200 while logged in, else 503 (default 8080; 0 = off)
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { mock, PuppetMock } from "wechaty-puppet-mock";
import { createWechatBot } from "../shared/channels/wechat/bot.js";
import { createLogger } from "../shared/log.js";

const env = process.env;
const DATA_DIR = resolve(env.DATA_DIR ?? ".data");
const log = createLogger({ service: "wechat-bot" });

function fail(message: string): never {
  console.error(`npm run bot: ${message}`);
  process.exit(1);
}

function apiSettings(): { apiBaseUrl: string; apiKey: string } {
  const local = resolve(DATA_DIR, "local-keys.json");
  const saved = existsSync(local)
    ? (JSON.parse(readFileSync(local, "utf8")) as { apiUrl?: string; keys?: Record<string, unknown> })
    : null;
  const apiBaseUrl = env.INTAKE_API_URL || saved?.apiUrl;
  const apiKey = env.INTAKE_API_KEY || (saved?.keys?.["channel:wechat"] as string | undefined);
  if (!apiBaseUrl || !apiKey) {
    fail("set INTAKE_API_URL and INTAKE_API_KEY (a channel:wechat key), or run npm start first");
  }
  return { apiBaseUrl, apiKey };
}

async function main() {
  const { apiBaseUrl, apiKey } = apiSettings();
  const puppetName = env.WECHATY_PUPPET || "wechaty-puppet-mock";
  const mocker = puppetName === "wechaty-puppet-mock" ? new mock.Mocker() : null;
  const bot = createWechatBot({
    puppet: mocker ? new PuppetMock({ mocker }) : (puppetName as "wechaty-puppet-service"),
    ...(puppetName === "wechaty-puppet-service"
      ? {
          puppetOptions: {
            token: env.WECHATY_PUPPET_SERVICE_TOKEN ?? fail("WECHATY_PUPPET_SERVICE_TOKEN is required"),
          },
        }
      : {}),
    apiBaseUrl,
    apiKey,
    log,
  });
  bot.on("scan", (qrcode: string) => console.log(`scan to log in: ${qrcode}`));
  bot.on("login", (user: { name(): string }) => console.log(`logged in as ${user.name()}`));

  const port = Number(env.BOT_HEALTH_PORT ?? 8080);
  const health =
    port > 0
      ? createServer((req, res) => {
          const ok = req.url === "/health" && bot.isLoggedIn;
          res.writeHead(req.url === "/health" ? (ok ? 200 : 503) : 404, {
            "content-type": "application/json",
          });
          res.end(JSON.stringify({ status: ok ? "ok" : "not logged in" }));
        }).listen(port, env.BOT_HEALTH_HOST ?? "0.0.0.0")
      : null;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the bot…`);
    await bot.stop();
    health?.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  await bot.start();
  console.log(
    `WeChat bot relaying to ${apiBaseUrl} (puppet ${puppetName})${health ? `, health on :${port}/health` : ""}`,
  );

  if (mocker) {
    // The mock puppet: a city account and one demo resident whose lines are typed on stdin.
    const account = mocker.createContact({ name: "12345热线" });
    mocker.login(account);
    const resident = mocker.createContact({ name: "演示居民" });
    (resident as unknown as NodeJS.EventEmitter).on(
      "message",
      (m: { talker(): { id: string }; text(): string }) => {
        if (m.talker().id === account.id) console.log(`\n[12345] ${m.text()}\n`);
      },
    );
    console.log("mock puppet: type a message as a resident (e.g. 东城区人民路88号井盖丢了), Ctrl-C to stop");
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (line) => resident.say(line).to(account));
    rl.on("close", () => void (process.stdin.isTTY ? stop("EOF") : undefined));
  }
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
