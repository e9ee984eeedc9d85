import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Runtime } from "../../functions/lib/http.js";
import { createRuntime } from "../../functions/lib/runtime.js";
import type { AwsSettings } from "../../shared/adapters/aws.js";
import type { WechatSettings } from "../../shared/channels/wechat/settings.js";
import { gridIds } from "../../shared/config/grid-ids.js";
import type { CityConfig } from "../../shared/config/schema.js";
import type { Actor } from "../../shared/domain/lifecycle.js";
import { errorFields, type Logger } from "../../shared/log.js";
import { consumeNotifications } from "../../shared/notify/service.js";
import { GATEWAY_CHANNELS, type GatewayChannel, issueApiKey } from "../../shared/services/auth.js";
import { reconcileQueues } from "../../shared/services/delivery.js";
import { startApiServer } from "./api-server.js";
import { ensureQueues, ensureTable } from "./stand-ins.js";
import { startStreamPoller } from "./stream-poller.js";
import { LocalUploadStore } from "./uploads.js";

/** The web app's static files (served at `/` like the CloudFront distribution does in AWS). */
export const WEB_DIR = fileURLToPath(new URL("../../web", import.meta.url));

export interface DemoKeys {
  operator: string;
  dispatcher: string;
  departments: Record<string, string>;
  /** One gateway key per channel (DESIGN.md §6 `channel:<wechat|web|open311>`). */
  "channel:wechat": string;
  "channel:web": string;
  "channel:open311": string;
  /** A grid worker bound to the first grid cell of the configuration. */
  "grid-worker": string;
  /** The grid cell the demo grid-worker key is bound to. */
  demoGrid: string | null;
}

export interface LocalSystem {
  baseUrl: string;
  settings: AwsSettings;
  runtime: Runtime;
  server: Server;
  /** Stops taking requests, lets those in flight finish (at most `drainMs`, default 10 s), then stops. */
  stop(drainMs?: number): Promise<void>;
}

/**
 * Creates the table and queues on the given endpoints, builds the runtime the Lambdas use, re-offers what the
 * table says is waiting (the local queue forgets on restart) and serves the handlers over HTTP.
 */
export async function startLocalSystem(opts: {
  config: CityConfig;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  sqsUrlBase: string;
  tableName: string;
  queuePrefix: string;
  port: number;
  host?: string;
  quiet?: boolean;
  /** The system's logger (a test that keeps the log); wins over quiet. */
  log?: Logger;
  /** Where SMS are recorded (JSON lines); the local system never sends real SMS. */
  smsOutboxFile?: string;
  /** The deployment secret (lease tokens, phone index); without it one per process. */
  secret?: string;
  /** WeChat: the Official Account's settings and the WeChat API (stand-in) base URL. */
  wechat?: WechatSettings;
  /** false: no table-stream consumer (a test that drives delivery itself). */
  outbox?: boolean;
  /** false: no notification consumer (a test that drives `consumeNotifications` itself). */
  notifications?: boolean;
  /** Folder for residents' photo uploads (npm start: .data/uploads); a fresh temporary folder by default. */
  uploadsDir?: string;
  /** Read every transaction back before answering (default); off only for a DynamoDB Local held in memory. */
  confirmWrites?: boolean;
  /** Runs after the runtime is ready and before the port opens, so /health answers only once all is ready. */
  beforeListen?: (runtime: Runtime, baseUrl: string, settings: AwsSettings) => Promise<void>;
}): Promise<LocalSystem> {
  await ensureTable(opts.dynamoEndpoint, opts.tableName);
  await ensureQueues(opts.sqsEndpoint, opts.queuePrefix, opts.config);
  const settings: AwsSettings = {
    region: "us-east-1",
    tableName: opts.tableName,
    queueUrlBase: opts.sqsUrlBase,
    queuePrefix: opts.queuePrefix,
    dynamoEndpoint: opts.dynamoEndpoint,
    sqsEndpoint: opts.sqsEndpoint,
    smsOutboxFile: opts.smsOutboxFile ?? join(tmpdir(), `${opts.queuePrefix}-sms-outbox.jsonl`),
    ...(opts.secret ? { secret: opts.secret } : {}),
    // DynamoDB Local can acknowledge a transaction before it is on disk: read each one back (docs/reliability.md).
    // A DynamoDB Local in memory keeps nothing across a kill anyway: its caller may turn this off.
    confirmWrites: opts.confirmWrites ?? true,
    // A shared, loaded machine: DynamoDB Local on one JVM can take seconds where DynamoDB takes milliseconds.
    limits: { dynamoRequestTimeout: 10_000, sqsRequestTimeout: 10_000 },
    ...(opts.wechat ? { wechat: opts.wechat } : {}),
  };
  const uploads = new LocalUploadStore(opts.uploadsDir ?? mkdtempSync(join(tmpdir(), "intake-uploads-")));
  const runtime = await createRuntime(settings, opts.config, {
    quiet: opts.quiet,
    ...(opts.log ? { log: opts.log } : {}),
    preloadModel: true,
    uploads,
  });
  const outbox =
    opts.outbox === false
      ? null
      : startStreamPoller(runtime.core, { endpoint: opts.dynamoEndpoint, tableName: opts.tableName });
  await outbox?.ready;
  await reconcileQueues(runtime.core);
  await opts.beforeListen?.(runtime, `http://${opts.host ?? "127.0.0.1"}:${opts.port}`, settings);
  const server = await startApiServer(runtime, opts.port, opts.host, { webDir: WEB_DIR, uploads });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  // Rating links (回访) point at this server.
  runtime.core.publicBaseUrl ??= `http://${opts.host ?? "127.0.0.1"}:${port}`;
  const consumer = opts.notifications === false ? null : startNotificationConsumer(runtime);
  return {
    baseUrl: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    settings,
    runtime,
    server,
    // Drains: no new connections, in-flight requests finish (up to drainMs), idle keep-alives close at once.
    stop: async (drainMs = 10_000) => {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), drainMs);
        // A keep-alive connection turns idle when its last response is sent: close those as they do.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(idle);
          resolve();
        });
        server.closeIdleConnections();
      });
      await consumer?.stop();
      await outbox?.stop();
    },
  };
}

/**
 * The local stand-in for the notification queue's Lambda consumer: long-polls the queue and delivers each
 * notification through the core's senders until stopped.
 */
function startNotificationConsumer(runtime: Runtime) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await consumeNotifications(runtime.core, runtime.core.senders, { waitSeconds: 1 });
      } catch (err) {
        runtime.core.log.log("warn", "notification poll failed", errorFields(err));
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Issues one key per role, one per department, one per gateway channel and one grid worker's. */
export async function issueDemoKeys(runtime: Runtime): Promise<DemoKeys> {
  const { core } = runtime;
  const issue = async (opts: Parameters<typeof issueApiKey>[1]) => (await issueApiKey(core.keys, opts)).key;
  const operator = await issue({ role: "operator", label: "demo-operator" });
  const dispatcher = await issue({ role: "dispatcher", label: "demo-dispatcher" });
  const departments: Record<string, string> = {};
  for (const d of core.config.departments) {
    departments[d.id] = await issue({ role: "department", department: d.id, label: `demo-${d.id}` });
  }
  const channel = async (c: GatewayChannel) => issue({ role: "channel", channel: c, label: `demo-${c}` });
  const demoGrid = [...gridIds(core.config)][0] ?? null;
  return {
    operator,
    dispatcher,
    departments,
    "channel:wechat": await channel("wechat"),
    "channel:web": await channel("web"),
    "channel:open311": await channel("open311"),
    "grid-worker": await issue({ role: "grid-worker", grid: demoGrid ?? "none", label: "demo-grid-worker" }),
    demoGrid,
  };
}

/** True when every demo key still authenticates as what it claims (the table may have been wiped). */
export async function demoKeysValid(runtime: Runtime, keys: DemoKeys): Promise<boolean> {
  const check = async (key: string, expect: (a: Actor) => boolean) => {
    try {
      return expect(await runtime.authenticate(key));
    } catch {
      return false;
    }
  };
  if (!(await check(keys.operator, (a) => a.role === "operator"))) return false;
  if (!(await check(keys.dispatcher, (a) => a.role === "dispatcher"))) return false;
  for (const d of runtime.core.config.departments) {
    const key = keys.departments[d.id];
    if (!key || !(await check(key, (a) => a.department === d.id))) return false;
  }
  for (const c of GATEWAY_CHANNELS) {
    const key = keys[`channel:${c}`];
    if (!key || !(await check(key, (a) => a.role === "channel" && a.channel === c))) return false;
  }
  const grid = keys["grid-worker"];
  return !!grid && (await check(grid, (a) => a.role === "grid-worker"));
}
