/**
 * `npm start`: the whole system on one machine with no AWS account — DynamoDB Local (data in .data/), the
 * in-process SQS server, the Lambda handlers behind an API-Gateway-shaped HTTP server, and the sweeper on a timer.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Runtime } from "../functions/lib/http.js";
import { ConfigError, parseCityConfig, withGridsFile } from "../shared/config/load.js";
import { errorFields } from "../shared/log.js";
import { redriveDeadLetters, sweepPending } from "../shared/services/delivery.js";
import { startDynamoLocal, startSqsLocal } from "./local/stand-ins.js";
import { type DemoKeys, demoKeysValid, issueDemoKeys, startLocalSystem } from "./local/system.js";

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
  mkdirSync(resolve(DATA_DIR, "dynamodb"), { recursive: true });

  // Ctrl-C at any point stops what has started so far, newest first.
  const stoppers: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    for (const stop of stoppers.reverse()) await stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const dynamo = await startDynamoLocal({ dbPath: resolve(DATA_DIR, "dynamodb") });
  stoppers.push(() => dynamo.stop());
  const sqs = await startSqsLocal();
  stoppers.push(() => sqs.stop());
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
    sqsUrlBase: sqs.urlBase,
    tableName: "intake-local",
    queuePrefix: "intake-local",
    port: PORT,
    host: process.env.HOST ?? "127.0.0.1",
    beforeListen: async (runtime, baseUrl, settings) => {
      writeFileSync(resolve(DATA_DIR, "local-stack.json"), `${JSON.stringify(settings, null, 2)}\n`);
      keys = await keysReady(runtime, baseUrl);
    },
  });
  stoppers.push(() => system.stop());
  if (!keys) throw new Error("demo keys were not written");

  const sweeper = setInterval(() => {
    sweepPending(system.runtime.core, { graceSeconds: SWEEP_SECONDS })
      .then(() => redriveDeadLetters(system.runtime.core))
      .catch((err) => system.runtime.core.log.log("error", "sweep failed", errorFields(err)));
  }, SWEEP_SECONDS * 1000);
  stoppers.push(() => clearInterval(sweeper));

  console.log(`
citizen request intake — running locally
  API          ${system.baseUrl}   (health: ${system.baseUrl}/health)
  DynamoDB     ${dynamo.endpoint}  (DynamoDB Local, data in ${resolve(DATA_DIR, "dynamodb")})
  SQS          ${sqs.endpoint}  (local-aws-sqs, in memory; re-offered from the table at start)
  demo keys    ${KEYS_FILE} (mode 600)
    operator    ${keys.operator}
    dispatcher  ${keys.dispatcher}
    department  water: ${keys.departments.water ?? "(none)"}   (all departments in the file)
  try          npm run cli -- inbox --dept water
  stop         Ctrl-C
`);
}

main().catch((err) => {
  console.error(`start-up failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
