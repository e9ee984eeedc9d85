import type { Server } from "node:http";
import type { Runtime } from "../../functions/lib/http.js";
import { createRuntime } from "../../functions/lib/runtime.js";
import type { AwsSettings } from "../../shared/adapters/aws.js";
import type { CityConfig } from "../../shared/config/schema.js";
import { gridIds } from "../../shared/config/schema.js";
import type { Actor } from "../../shared/domain/lifecycle.js";
import { errorFields } from "../../shared/log.js";
import { consumeNotifications } from "../../shared/notify/service.js";
import { GATEWAY_CHANNELS, type GatewayChannel, issueApiKey } from "../../shared/services/auth.js";
import { reconcileQueues } from "../../shared/services/delivery.js";
import { startApiServer } from "./api-server.js";
import { ensureQueues, ensureTable } from "./stand-ins.js";
import { startStreamPoller } from "./stream-poller.js";

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
  stop(): Promise<void>;
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
  /** false: no table-stream consumer (a test that drives delivery itself). */
  outbox?: boolean;
  /** false: no notification consumer (a test that drives `consumeNotifications` itself). */
  notifications?: boolean;
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
  };
  const runtime = await createRuntime(settings, opts.config, { quiet: opts.quiet, preloadModel: true });
  const outbox =
    opts.outbox === false
      ? null
      : startStreamPoller(runtime.core, { endpoint: opts.dynamoEndpoint, tableName: opts.tableName });
  await outbox?.ready;
  await reconcileQueues(runtime.core);
  await opts.beforeListen?.(runtime, `http://${opts.host ?? "127.0.0.1"}:${opts.port}`, settings);
  const server = await startApiServer(runtime, opts.port, opts.host);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const consumer = opts.notifications === false ? null : startNotificationConsumer(runtime);
  return {
    baseUrl: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    settings,
    runtime,
    server,
    stop: async () => {
      await consumer?.stop();
      await outbox?.stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
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
