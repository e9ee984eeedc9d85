/**
 * `npm start`: the whole system on one machine with no AWS account — DynamoDB Local (data in .data/), the
 * in-process SQS server, the Lambda handlers behind an API-Gateway-shaped HTTP server, and the sweeper on a timer.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Runtime } from "../functions/lib/http.js";
import { wechatSettingsFromEnv } from "../shared/channels/wechat/settings.js";
import { calendarWarning } from "../shared/closure/calendar.js";
import { sweepAll } from "../shared/closure/sweep.js";
import { ConfigError, parseCityConfig, withGridsFile } from "../shared/config/load.js";
import { errorFields } from "../shared/log.js";
import { localSecret } from "./local/secret.js";
import { superviseLocalStandIns } from "./local/supervisor.js";
import { type DemoKeys, demoKeysValid, issueDemoKeys, startLocalSystem } from "./local/system.js";
import { startWechatApiStandIn } from "./local/wechat-api.js";

const DATA_DIR = resolve(process.env.DATA_DIR ?? ".data");
const KEYS_FILE = resolve(DATA_DIR, "local-keys.json");
const PORT = Number(process.env.PORT ?? 3000);
const CONFIG_PATH = resolve(process.env.CITY_CONFIG ?? "shared/config/city.json");
const SWEEP_SECONDS = Number(process.env.SWEEP_INTERVAL_SECONDS ?? 10);

// Node 20 is supported locally; the SDK's notice about its future Node 22 minimum is not for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main() {
  let config: ReturnType<typeof parseCityConfig>;
  try {
    config = parseCityConfig(
      withGridsFile(JSON.parse(readFileSync(CONFIG_PATH, "utf8")), CONFIG_PATH, (file) =>
        readFileSync(resolve(dirname(CONFIG_PATH), file), "utf8"),
      ),
      CONFIG_PATH,
    );
    // A trained category model (npm run train) overrides the file's classifier.modelPath.
    if (process.env.CLASSIFIER_MODEL) config.classifier.modelPath = resolve(process.env.CLASSIFIER_MODEL);
    // classifier.modelPath in the file is relative to the repository root, as infra/ reads it.
    else if (config.classifier.modelPath) config.classifier.modelPath = resolve(config.classifier.modelPath);
  } catch (err) {
    console.error(
      err instanceof ConfigError ? err.message : `cannot read configuration ${CONFIG_PATH}: ${String(err)}`,
    );
    process.exit(1);
  }
  // WeChat settings are read once here; the WeChat API is the local stand-in unless WECHAT_API_BASE_URL is set.
  try {
    wechatSettingsFromEnv(process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  mkdirSync(resolve(DATA_DIR, "dynamodb"), { recursive: true });

  // Ctrl-C at any point stops what has started so far, newest first.
  const stoppers: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    for (const stop of stoppers.reverse()) await stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const fatal = (reason: string) => {
    console.error(`FATAL ${reason}: stopping, since requests could no longer be kept`);
    // Exit code 1 (shutdown would otherwise exit 0 once everything has stopped).
    void shutdown("stand-in lost", 1).finally(() => process.exit(1));
  };
  const note = (message: string) => console.error(`supervisor: ${message}`);
  const standIns = await superviseLocalStandIns({
    dbPath: resolve(DATA_DIR, "dynamodb"),
    log: note,
    giveUp: fatal,
  });
  const { dynamo, sqs, sqsUrlBase } = standIns;
  stoppers.push(() => standIns.stop());
  const secret = localSecret(DATA_DIR);
  const wechatApi = process.env.WECHAT_API_BASE_URL
    ? null
    : await startWechatApiStandIn({
        ...(process.env.WECHAT_OA_APPID ? { appId: process.env.WECHAT_OA_APPID } : {}),
        ...(process.env.WECHAT_OA_APPSECRET ? { appSecret: process.env.WECHAT_OA_APPSECRET } : {}),
      });
  if (wechatApi) stoppers.push(() => wechatApi.stop());
  const wechat = wechatSettingsFromEnv({
    ...process.env,
    ...(wechatApi ? { WECHAT_API_BASE_URL: wechatApi.baseUrl } : {}),
  });
  const keysReady = async (runtime: Runtime, baseUrl: string) => {
    let keys: DemoKeys | null = null;
    if (existsSync(KEYS_FILE)) {
      const saved = JSON.parse(readFileSync(KEYS_FILE, "utf8")) as { keys?: DemoKeys };
      if (saved.keys && (await demoKeysValid(runtime, saved.keys))) keys = saved.keys;
    }
    keys ??= await issueDemoKeys(runtime);
    writeFileSync(KEYS_FILE, `${JSON.stringify({ apiUrl: baseUrl, keys }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(KEYS_FILE, 0o600);
    return keys;
  };
  let keys: DemoKeys | undefined;
  const system = await startLocalSystem({
    config,
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    sqsUrlBase,
    secret,
    tableName: "intake-local",
    smsOutboxFile: resolve(DATA_DIR, "sms-outbox.jsonl"),
    queuePrefix: "intake-local",
    port: PORT,
    host: process.env.HOST ?? "127.0.0.1",
    uploadsDir: resolve(DATA_DIR, "uploads"),
    wechat,
    beforeListen: async (runtime, baseUrl, settings) => {
      const { secret: _secret, ...shown } = settings; // the secret stays in .data/secret (mode 600)
      writeFileSync(resolve(DATA_DIR, "local-stack.json"), `${JSON.stringify(shown, null, 2)}\n`);
      keys = await keysReady(runtime, baseUrl);
    },
  });
  stoppers.push(() => system.stop());
  if (!keys) throw new Error("demo keys were not written");
  const calendarGap = calendarWarning(
    system.runtime.core.deadlines.calendar,
    new Date(),
    config.city.timezoneOffsetMinutes,
  );
  if (calendarGap) console.warn(`warning: ${calendarGap}`);
  // After a restart the in-memory queue server needs its queues and the waiting tickets again.
  standIns.reofferAfterSqsRestart(system.runtime.core, "intake-local");

  // The local stand-in for the EventBridge schedule: the same sweep as functions/sweeper.ts.
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepAll(system.runtime.core, { graceSeconds: SWEEP_SECONDS })
      .catch((err) => system.runtime.core.log.log("error", "sweep failed", errorFields(err)))
      .finally(() => {
        sweeping = false;
      });
  }, SWEEP_SECONDS * 1000);
  stoppers.push(() => clearInterval(sweeper));

  console.log(`
citizen request intake — running locally
  API          ${system.baseUrl}   (health: ${system.baseUrl}/health)
  web form     ${system.baseUrl}/   (status page: ${system.baseUrl}/status.html, grid workers: ${system.baseUrl}/grid.html)
  Open311      ${system.baseUrl}/open311/v2/discovery.xml
  DynamoDB     ${dynamo.endpoint}  (DynamoDB Local, data in ${resolve(DATA_DIR, "dynamodb")})
  SQS          ${sqs.endpoint}  (local-aws-sqs, in memory; re-offered from the table at start)
  SMS          ${resolve(DATA_DIR, "sms-outbox.jsonl")}  (recorded, not sent: npm run cli -- outbox)
  demo keys    ${KEYS_FILE} (mode 600: one per role, department, channel and a grid worker; never printed)
  WeChat OA    ${
    wechat.oa
      ? `${system.baseUrl}/v1/channels/wechat-oa   (${wechat.oa.encodingAesKey ? "plain and encrypted mode" : "plain mode"})`
      : "off (set WECHAT_OA_TOKEN and WECHAT_OA_APPID to enable the callback)"
  }
  WeChat API   ${wechatApi ? `${wechatApi.baseUrl}  (local stand-in; calls listed at ${wechatApi.baseUrl}/_calls)` : wechat.apiBaseUrl}
  WeChat bot   npm run bot   (mock puppet; reads this API and key from ${KEYS_FILE})
  try          npm run cli -- inbox --dept water
  stop         Ctrl-C
`);
}

main().catch((err) => {
  console.error(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
