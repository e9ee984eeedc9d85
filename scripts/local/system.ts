import type { Server } from "node:http";
import type { Runtime } from "../../functions/lib/http.js";
import { createRuntime } from "../../functions/lib/runtime.js";
import type { AwsSettings } from "../../shared/adapters/aws.js";
import type { CityConfig } from "../../shared/config/schema.js";
import type { Actor } from "../../shared/domain/lifecycle.js";
import { issueApiKey } from "../../shared/services/auth.js";
import { reconcileQueues } from "../../shared/services/delivery.js";
import { startApiServer } from "./api-server.js";
import { ensureQueues, ensureTable } from "./stand-ins.js";

export interface DemoKeys {
  operator: string;
  dispatcher: string;
  departments: Record<string, string>;
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
  await reconcileQueues(runtime.core);
  await opts.beforeListen?.(runtime, `http://${opts.host ?? "127.0.0.1"}:${opts.port}`, settings);
  const server = await startApiServer(runtime, opts.port, opts.host);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    baseUrl: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    settings,
    runtime,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Issues one key per role and one per department. */
export async function issueDemoKeys(runtime: Runtime): Promise<DemoKeys> {
  const { core } = runtime;
  const operator = (await issueApiKey(core.keys, { role: "operator", label: "demo-operator" })).key;
  const dispatcher = (await issueApiKey(core.keys, { role: "dispatcher", label: "demo-dispatcher" })).key;
  const departments: Record<string, string> = {};
  for (const d of core.config.departments) {
    departments[d.id] = (
      await issueApiKey(core.keys, { role: "department", department: d.id, label: `demo-${d.id}` })
    ).key;
  }
  return { operator, dispatcher, departments };
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
  return true;
}
