/**
 * What one intake costs the store: files tickets one after another through the local HTTP API (the same
 * handlers, DynamoDB Local, the SQS stand-in, the table-stream poller), waits until each is delivered, and
 * counts every DynamoDB and SQS request the process made for it (a middleware on the SDK clients), the items
 * each write touched and the index entries (GSI keys) those items carry. The stream poller's own GetRecords
 * polls are counted separately (they run whether or not tickets come in).
 * Run: `npx tsx bench/intake-requests.ts` (`REQUESTS_TICKETS`, default 200; `REQUESTS_DEDUP=1` with repeat
 * merging on).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { ensureTable } from "../scripts/local/stand-ins.js";
import { issueDemoKeys } from "../scripts/local/system.js";
import { TABLE_INDEXES } from "../shared/adapters/table.js";
import { loadCityConfigFile } from "../shared/config/load.js";
import { fileTicket, rawTransactions, startBenchSystem } from "./intake.js";

type Counts = Record<string, number>;
const add = (c: Counts, k: string, n = 1) => {
  c[k] = (c[k] ?? 0) + n;
};

const GSI_KEYS = TABLE_INDEXES.map((i) => i.pk);

/** The index partition keys an item (marshalled or not) carries: one index entry each. */
function gsiKeysOf(item: Record<string, unknown> | undefined): string[] {
  return item ? GSI_KEYS.filter((k) => item[k] !== undefined) : [];
}

function countRequests(client: DynamoDBClient | SQSClient, counts: Counts, items: Counts) {
  (client as DynamoDBClient).middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "?").replace(/Command$/, "");
      const input = args.input as Record<string, unknown>;
      add(counts, name);
      if (name === "TransactWriteItems") {
        for (const t of (input.TransactItems ?? []) as Record<string, Record<string, unknown>>[]) {
          const [op, body] = Object.entries(t)[0]!;
          add(items, `transaction ${op}`);
          const gsis = gsiKeysOf(body?.Item as Record<string, unknown>);
          for (const g of gsis) add(items, `  index entry ${g}`);
        }
      } else if (name === "PutItem") {
        add(items, "PutItem item");
        for (const g of gsiKeysOf(input.Item as Record<string, unknown>)) add(items, `  index entry ${g}`);
      } else if (name === "UpdateItem") {
        const pk = (input.Key as Record<string, unknown>)?.PK;
        const text = typeof pk === "string" ? pk : String((pk as { S?: string })?.S);
        add(items, `UpdateItem ${text.split("#")[0]}`);
      } else if (name === "BatchWriteItem") {
        for (const reqs of Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>))
          add(items, "BatchWriteItem item", reqs.length);
      }
      return next(args);
    },
    { step: "initialize", name: "countRequests" },
  );
}

/** CPU seconds (user + system) of a process and every process below it, from /proc (Linux). */
function processTreeCpuSeconds(pid: number): number {
  let ticks = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks = Number(fields[11]) + Number(fields[12]);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      for (const c of kids ? kids.split(" ") : []) ticks += processTreeCpuSeconds(Number(c)) * 100;
    }
  } catch {
    return 0;
  }
  return ticks / 100;
}

async function main() {
  const tickets = Number(process.env.REQUESTS_TICKETS ?? 200);
  const config = loadCityConfigFile("shared/config/city.json");
  config.dedup.enabled = process.env.REQUESTS_DEDUP === "1";
  const { dynamo, system, id, stop } = await startBenchSystem(config, "req");
  const counts: Counts = {};
  const items: Counts = {};
  let loadFigures: Record<string, number> | undefined;
  const perTicket: Counts = {};
  const perItems: Counts = {};
  try {
    const keys = await issueDemoKeys(system.runtime);
    const { clients } = system.runtime.core as unknown as {
      clients: { ddb: DynamoDBClient; sqs: SQSClient };
    };
    // Warm the key cache and the number block before counting.
    const file = (i: number) =>
      fileTicket(
        system.baseUrl,
        keys.operator,
        JSON.stringify({
          categoryId: "drainage",
          title: `污水井冒水 ${i}`,
          description: `小区门口污水井冒水，路面积水严重。第${i}次`,
          location: { address: "西湖区北山街道保俶路1号" },
          reporter: { phone: `139${String(i + 1000).padStart(8, "0")}` },
        }),
        `req-${id}-${i}`,
      );
    await file(-1);
    await new Promise((r) => setTimeout(r, 500));
    countRequests(clients.ddb, counts, items);
    countRequests(clients.sqs, counts, items);
    const store = system.runtime.core.store;
    for (let i = 0; i < tickets; i++) {
      const t = await file(i);
      // Delivered: the stream consumer sent it and cleared the mark.
      for (let tries = 0; tries < 500; tries++) {
        const state = await store.dispatchState(t.id);
        add(counts, "GetItem", -1); // the bench's own wait, not the system's
        if (state && !state.pending) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    Object.assign(perTicket, counts);
    Object.assign(perItems, items);
    // Where the CPU goes under load: 16 clients filing at once, this process (API, SQS stand-in, stream poller,
    // the clients) against DynamoDB Local's JVM.
    const load = Number(process.env.REQUESTS_LOAD ?? 400);
    const cpu0 = process.cpuUsage();
    const jvm0 = dynamo.pid ? processTreeCpuSeconds(dynamo.pid) : 0;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < load; i = next++) await file(100_000 + i);
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const jvm = dynamo.pid ? processTreeCpuSeconds(dynamo.pid) - jvm0 : Number.NaN;
    // The store's floor under the same load: the raw 3-item transaction (bench/intake.ts).
    const rawTable = `req-raw-${id}`;
    await ensureTable(dynamo.endpoint, rawTable);
    const rawJvm0 = dynamo.pid ? processTreeCpuSeconds(dynamo.pid) : 0;
    const raw = await rawTransactions(dynamo.endpoint, rawTable, 16, load);
    const rawJvm = dynamo.pid ? processTreeCpuSeconds(dynamo.pid) - rawJvm0 : Number.NaN;
    loadFigures = {
      rawPerSecond: raw.perSecond,
      rawJvmMs: (rawJvm * 1000) / load,
      perSecond: load / wall,
      nodeMs: (cpu.user + cpu.system) / 1000 / load,
      jvmMs: (jvm * 1000) / load,
      nodeCores: (cpu.user + cpu.system) / 1e6 / wall,
      jvmCores: jvm / wall,
    };
  } finally {
    await stop();
  }
  console.log(`per ticket over ${tickets} tickets (dedup ${config.dedup.enabled ? "on" : "off"}):`);
  console.log("  requests:");
  for (const [k, v] of Object.entries(perTicket).sort())
    console.log(`    ${k.padEnd(32)} ${(v / tickets).toFixed(2)}`);
  if (loadFigures) {
    const f = loadFigures;
    console.log(
      `  under load (16 clients): ${f.perSecond!.toFixed(0)} tickets/s; CPU per ticket: this process ${f.nodeMs!.toFixed(2)} ms (${f.nodeCores!.toFixed(2)} cores), DynamoDB Local ${f.jvmMs!.toFixed(2)} ms (${f.jvmCores!.toFixed(2)} cores)`,
    );
    console.log(
      `  raw 3-item transaction, 16 clients: ${f.rawPerSecond!.toFixed(0)}/s; DynamoDB Local ${f.rawJvmMs!.toFixed(2)} ms CPU each (intake ÷ raw in JVM CPU: ${(f.jvmMs! / f.rawJvmMs!).toFixed(2)}×)`,
    );
  }
  console.log("  items written / index entries:");
  for (const [k, v] of Object.entries(perItems).sort())
    console.log(`    ${k.padEnd(32)} ${(v / tickets).toFixed(2)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
