import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { freePort } from "../../scripts/local/stand-ins.js";
import {
  type DemoKeys,
  issueDemoKeys,
  type LocalSystem,
  startLocalSystem,
} from "../../scripts/local/system.js";
import type { AwsSettings } from "../../shared/adapters/aws.js";
import type { WechatSettings } from "../../shared/channels/wechat/settings.js";
import { loadCityConfigFile } from "../../shared/config/load.js";
import type { CityConfig } from "../../shared/config/schema.js";
import type { Logger } from "../../shared/log.js";

export function defaultConfig(): CityConfig {
  const config = loadCityConfigFile("shared/config/city.json");
  // Most tests file the same report text many times; repeat merging (重复工单) is tested with it switched on
  // (test/integration/routing.test.ts).
  config.dedup.enabled = false;
  return config;
}

export interface TestSystem extends LocalSystem {
  keys: DemoKeys;
  /** fetch against the local API with a key. */
  call(
    method: string,
    path: string,
    opts?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

/** A whole system on the run's shared stand-ins, with a table and queues of its own. */
export async function startTestSystem(
  name: string,
  config: CityConfig = defaultConfig(),
  opts: { wechat?: WechatSettings; outbox?: boolean; log?: Logger } = {},
): Promise<TestSystem> {
  const suffix = `${name}-${randomBytes(3).toString("hex")}`;
  const system = await startLocalSystem({
    config,
    dynamoEndpoint: inject("dynamoEndpoint"),
    sqsEndpoint: inject("sqsEndpoint"),
    sqsUrlBase: inject("sqsUrlBase"),
    tableName: `t-${suffix}`,
    queuePrefix: `q-${suffix}`,
    port: await freePort(),
    quiet: true,
    ...(opts.wechat ? { wechat: opts.wechat } : {}),
    ...(opts.outbox === false ? { outbox: false } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const keys = await issueDemoKeys(system.runtime);
  return {
    ...system,
    keys,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers["content-type"] ??= "application/json";
        body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      }
      const res = await fetch(`${system.baseUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/** A hotline report written for the tests. */
export function report(overrides: Record<string, unknown> = {}) {
  return {
    requestType: "complaint",
    title: "小区门口污水井冒水",
    description: "东城区新华街道人民路小区门口的污水井冒水三天了，路面全是污水，请尽快处理。",
    location: { address: "东城区新华街道人民路88号" },
    reporter: { name: "李四", phone: "13900001111" },
    ...overrides,
  };
}

/** The department that holds a ticket: a dispatcher assigns one first when routing sent it to triage. */
export async function heldBy(system: TestSystem, ticket: { id: string; department: string | null }) {
  if (ticket.department) return ticket.department;
  const department = Object.keys(system.keys.departments)[0]!;
  const assigned = await system.call("POST", `/v1/tickets/${ticket.id}/actions`, {
    key: system.keys.dispatcher,
    body: { action: "assign", department },
  });
  if (assigned.status !== 200) throw new Error(`assign failed: ${assigned.status}`);
  return department;
}

/** Settings for a table and queues named `name` on the run's shared stand-ins (create them with ensureTable/ensureQueues). */
export function standInSettings(name: string): AwsSettings {
  return {
    region: "us-east-1",
    tableName: name,
    queueUrlBase: inject("sqsUrlBase"),
    queuePrefix: name,
    dynamoEndpoint: inject("dynamoEndpoint"),
    sqsEndpoint: inject("sqsEndpoint"),
  };
}
