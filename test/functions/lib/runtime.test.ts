import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createRuntime, settingsFromEnv } from "../../../functions/lib/runtime.js";
import { ensureQueues, ensureTable } from "../../../scripts/local/stand-ins.js";
import type { AwsClients, AwsSettings } from "../../../shared/adapters/aws.js";
import type { QueueMessage } from "../../../shared/domain/ticket.js";
import { defaultConfig, standInSettings } from "../../support/system.js";

const ENV = { TABLE_NAME: "t", QUEUE_URL_BASE: "https://sqs.example/", QUEUE_PREFIX: "p" };

describe("settingsFromEnv: what the stacks tell a function about its needs (infra/function-access.ts)", () => {
  it("SQS_CLIENT=on-demand (a role that may use no queue) defers the SQS client; anything else builds it", () => {
    expect(settingsFromEnv({ ...ENV, SQS_CLIENT: "on-demand" }).sqsClient).toBe("on-demand");
    expect(settingsFromEnv(ENV).sqsClient).toBeUndefined();
    expect(settingsFromEnv({ ...ENV, SQS_CLIENT: "later" }).sqsClient).toBeUndefined();
  });

  it("INTAKE_INDEXES=on-demand (a function that files no ticket) defers the area index and the suggester", () => {
    expect(settingsFromEnv({ ...ENV, INTAKE_INDEXES: "on-demand" }).intakeIndexes).toBe("on-demand");
    expect(settingsFromEnv(ENV).intakeIndexes).toBeUndefined();
  });
});

describe("the area index and the category suggester built on first use", () => {
  it("answer exactly as the ones built at start-up", async () => {
    const config = defaultConfig();
    const base: AwsSettings = {
      region: "us-east-1",
      tableName: "t",
      queueUrlBase: "http://q/",
      queuePrefix: "p",
    };
    const eager = await createRuntime(base, config, { quiet: true });
    const lazy = await createRuntime({ ...base, intakeIndexes: "on-demand" }, config, { quiet: true });
    const cell = config.geo?.grids?.features[0];
    expect(cell).toBeDefined();
    // A point inside the first grid cell: its first ring's vertices averaged.
    const ring = (cell!.geometry as { coordinates: number[][][] }).coordinates[0]!;
    const lng = ring.reduce((a, p) => a + p[0]!, 0) / ring.length;
    const lat = ring.reduce((a, p) => a + p[1]!, 0) / ring.length;
    for (const location of [{ address: "人民路 1 号" }, { address: "某处", lat, lng }]) {
      expect(lazy.core.areas.locate(location)).toEqual(eager.core.areas.locate(location));
    }
    expect(lazy.core.areas.cellAt(lat, lng)).toEqual(eager.core.areas.cellAt(lat, lng));
    expect(lazy.core.areas.basicCellAt(lat, lng)).toEqual(eager.core.areas.basicCellAt(lat, lng));
    for (const text of ["路灯不亮", "小区门口污水井冒水", "夜间施工噪音扰民"]) {
      expect(lazy.core.classifier?.suggest(text)).toEqual(eager.core.classifier?.suggest(text));
    }
    expect(eager.core.classifier?.suggest("路灯不亮")).not.toBeNull();
  });
});

describe("the runtime's SQS client (docs/deploy.md, What a cold start costs)", () => {
  const config = defaultConfig();
  async function settings(): Promise<AwsSettings> {
    const name = `sqs-${randomBytes(3).toString("hex")}`;
    await ensureTable(inject("dynamoEndpoint"), name);
    await ensureQueues(inject("sqsEndpoint"), name, config);
    return standInSettings(name);
  }
  const message: QueueMessage = {
    ticketId: "t-1",
    ticketNo: "20261202-0001",
    version: 1,
    department: "eco",
    status: "dispatched",
    categoryId: "noise",
    title: "夜间施工噪音",
    urgency: "normal",
    dueAt: null,
  };

  /** The runtime's AWS clients (createAwsCore keeps them on the core). */
  const clientsOf = (r: Awaited<ReturnType<typeof createRuntime>>) =>
    (r.core as typeof r.core & { clients: AwsClients }).clients;

  it("is built at start-up by default, and the queue answers", async () => {
    const runtime = await createRuntime(await settings(), config, { quiet: true });
    expect(clientsOf(runtime).sqs).toBeDefined();
    await runtime.core.queue.ping?.();
  });

  it("on demand: nothing is built at start-up, and the first queue call still reaches the queue", async () => {
    const s = await settings();
    const runtime = await createRuntime({ ...s, sqsClient: "on-demand" }, config, { quiet: true });
    expect(clientsOf(runtime).sqs).toBeUndefined();
    await runtime.core.queue.send("eco", message);
    const got = await runtime.core.queue.receive("eco", { max: 10, waitSeconds: 1 });
    expect(got.map((m) => m.message)).toEqual([message]);
    await runtime.core.queue.delete("eco", got[0]!.lease);
    expect(await runtime.core.queue.receive("eco", { max: 10, waitSeconds: 0 })).toEqual([]);
    // The same queue as a runtime that built its client at start-up.
    const eager = await createRuntime(s, config, { quiet: true });
    await eager.core.queue.send("eco", message);
    expect(
      (await runtime.core.queue.receive("eco", { max: 10, waitSeconds: 1 })).map((m) => m.message),
    ).toEqual([message]);
  });
});
