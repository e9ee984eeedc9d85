/**
 * Intake benchmark on the embedded stand-ins, every figure a ratio measured in the same run:
 *   - the raw no-loss transaction on DynamoDB Local (ticket + first event + idempotency record, guarded,
 *     nothing else) at 1, 4 and 16 clients: the store's floor;
 *   - POST /v1/tickets through the local API (same handlers as on Lambda, real SDK clients, DynamoDB Local,
 *     local-aws-sqs) at 1, 4 and 16 clients: tickets/s, p50, p99, and the ratio to the floor;
 *   - intake → the ticket in its department's inbox (p50/p99);
 *   - handler CPU per ticket with the AWS clients stubbed (a plain stub; also with aws-sdk-client-mock, whose
 *     own matching it counts too), i.e. our own code's cost;
 *   - the department loop (poll + accept) and the memory of each process.
 * Run: `npx tsx bench/intake.ts` or as part of `npm run bench`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { httpHandler } from "../functions/lib/http.js";
import { createRuntime } from "../functions/lib/runtime.js";
import { roles as createRoles, route as createRoute } from "../functions/tickets-create.js";
import {
  ensureTable,
  freePort,
  processTreeCpuMs,
  processTreeRssMiB,
  startDynamoLocal,
  startSqsLocal,
} from "../scripts/local/stand-ins.js";
import { issueDemoKeys, startLocalSystem } from "../scripts/local/system.js";
import { keys as tableKeys } from "../shared/adapters/table.js";
import { quantile } from "../shared/classify/evaluate.js";
import { loadCityConfigFile, type parseCityConfig } from "../shared/config/load.js";

const REPORTS = [
  { categoryId: "drainage", title: "污水井冒水", description: "小区门口污水井冒水，路面积水严重。" },
  { categoryId: "noise", title: "夜间施工噪音", description: "工地每天夜里十二点以后还在施工，噪音很大。" },
  { categoryId: "wage-arrears", title: "拖欠工资", description: "装修公司拖欠三个月工资不发。" },
  { title: "路灯不亮", description: "人民路东段路灯一到晚上就不亮，行人很不安全。" },
];

export const CLIENTS = [1, 4, 16] as const;
/** Targets of issue #12. */
export const TARGETS = { ratioAt16: 0.5, p50Factor: 2, inboxP99Ms: 1000, cpuMsPerTicket: 0.5 };

interface Rate {
  clients: number;
  n: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU per operation: this process (clients, local API, handlers, stream poller, SQS stand-in) and the JVM. */
  cpu?: { nodeMs: number; jvmMs: number | null };
}

/** `measure`, with the CPU each side spent per operation (DynamoDB Local's JVM tree read from /proc). */
async function measureWithCpu(
  jvmPid: number | undefined,
  clients: number,
  total: number,
  op: (i: number) => Promise<void>,
): Promise<Rate> {
  const node0 = process.cpuUsage();
  const jvm0 = jvmPid ? processTreeCpuMs(jvmPid) : null;
  const rate = await measure(clients, total, op);
  const node = process.cpuUsage(node0);
  const jvm1 = jvmPid ? processTreeCpuMs(jvmPid) : null;
  return {
    ...rate,
    cpu: {
      nodeMs: (node.user + node.system) / 1000 / rate.n,
      jvmMs: jvm0 !== null && jvm1 !== null ? (jvm1 - jvm0) / rate.n : null,
    },
  };
}

/** Runs `op` from `clients` concurrent workers until `total` operations are done. */
async function measure(clients: number, total: number, op: (i: number) => Promise<void>): Promise<Rate> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        await op(i);
        times.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    clients,
    n: times.length,
    perSecond: times.length / seconds,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
  };
}

/** POST /v1/tickets as the operator; the created ticket (throws unless 201). */
export async function fileTicket(
  baseUrl: string,
  operatorKey: string,
  body: string,
  idempotencyKey?: string,
): Promise<{ id: string; department: string | null }> {
  const res = await fetch(`${baseUrl}/v1/tickets`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${operatorKey}`,
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body,
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
  return (await res.json()) as { id: string; department: string | null };
}

function body(n: number) {
  const r = REPORTS[n % REPORTS.length]!;
  return JSON.stringify({
    ...r,
    location: { address: "西湖区北山街道保俶路1号" },
    reporter: { phone: `139${String(n).padStart(8, "0")}` },
  });
}

/** The store's floor: the same three guarded items intake writes, in one transaction, and nothing else. */
export async function rawTransactions(
  endpoint: string,
  table: string,
  clients: number,
  total: number,
  jvmPid?: number,
) {
  const ddb = new DynamoDBClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  const item = JSON.parse(body(1)) as Record<string, unknown>;
  try {
    return await measureWithCpu(jvmPid, clients, total, async () => {
      const id = randomUUID();
      const at = new Date().toISOString();
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: { ...tableKeys.ticket(id), entity: "ticket", version: 2, ticket: { ...item, id } },
                ConditionExpression: "attribute_not_exists(PK)",
              },
            },
            {
              Put: {
                TableName: table,
                Item: { PK: `TICKET#${id}`, SK: `EVENT#${at}#000000`, entity: "event", event: { at } },
              },
            },
            {
              Put: {
                TableName: table,
                Item: { ...tableKeys.idempotency(`raw:${id}`), entity: "idempotency", ticketId: id },
                ConditionExpression: "attribute_not_exists(PK)",
              },
            },
          ],
        }),
      );
    });
  } finally {
    ddb.destroy();
  }
}

/**
 * Every `send` of a client class answered by `answer`, until the returned restore runs. A plain function on the
 * prototype: aws-sdk-client-mock (sinon) matches each call against its fakes with a deep comparison, which was
 * a tenth of the figure below and is no part of the handler's cost anywhere.
 */
function stubSend(
  client: { prototype: { send: unknown } },
  answer: (input: Record<string, unknown>) => Record<string, unknown>,
): () => void {
  const proto = client.prototype;
  const own = Object.hasOwn(proto, "send");
  const original = proto.send;
  proto.send = function send(command: { input: Record<string, unknown> }) {
    return Promise.resolve(answer(command.input));
  };
  return () => {
    if (own) proto.send = original;
    else delete (proto as { send?: unknown }).send; // inherited again from the SDK's Client
  };
}

/**
 * CPU our own code spends per ticket: the create handler with every AWS call answered by a stub (`sinon`:
 * the same with aws-sdk-client-mock, whose own matching is counted too; the figure before the plain stub).
 */
export async function handlerCpu(
  config: ReturnType<typeof parseCityConfig>,
  n: number,
  opts: { stub?: "plain" | "sinon" } = {},
) {
  const operatorKey = "bench-operator-key";
  // The key lookup (GetItem on APIKEY#…) and the day counter (UpdateItem ADD) answer like DynamoDB; every
  // other call (the transaction, the confirming read) succeeds with nothing to say.
  let counter = 0;
  const answer = (input: { Key?: { PK?: string } }) => {
    const key = input.Key?.PK ?? "";
    if (key.startsWith("APIKEY#"))
      return { Item: { role: "operator", label: "bench", createdAt: new Date().toISOString() } };
    if (key.startsWith("COUNTER#")) return { Attributes: { n: ++counter } };
    return {};
  };
  const restore: (() => void)[] = [];
  if (opts.stub === "sinon") {
    const ddb = mockClient(DynamoDBDocumentClient);
    const sqs = mockClient(SQSClient);
    ddb.callsFake(answer);
    sqs.on(SendMessageCommand).resolves({ MessageId: "m" });
    restore.push(
      () => ddb.restore(),
      () => sqs.restore(),
    );
  } else {
    restore.push(
      stubSend(DynamoDBDocumentClient, answer),
      stubSend(SQSClient, () => ({ MessageId: "m" })),
    );
  }
  try {
    const runtime = await createRuntime(
      {
        region: "us-east-1",
        tableName: "bench-cpu",
        queueUrlBase: "http://127.0.0.1:1/000000000000/",
        queuePrefix: "bench",
        // Endpoints make the clients use static local credentials; nothing is contacted (the clients are stubbed).
        dynamoEndpoint: "http://127.0.0.1:1",
        sqsEndpoint: "http://127.0.0.1:1",
      },
      config,
      { quiet: !process.env.BENCH_DEBUG },
    );
    const handler = httpHandler(createRoute, createRoles, async () => runtime);
    const event = (i: number) =>
      ({
        version: "2.0",
        rawPath: "/v1/tickets",
        headers: {
          authorization: `Bearer ${operatorKey}`,
          "content-type": "application/json",
          "idempotency-key": `cpu-${i}`,
        },
        requestContext: { http: { method: "POST" }, requestId: `r${i}` },
        body: body(i),
        isBase64Encoded: false,
      }) as unknown as APIGatewayProxyEventV2;
    for (let i = 0; i < 200; i++) await handler(event(i), {} as never); // warm-up (JIT, caches)
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const res = await handler(event(1000 + i), {} as never);
      if (typeof res === "object" && res.statusCode !== 201)
        throw new Error(`stubbed create: ${res.statusCode}`);
    }
    const cpu = process.cpuUsage(cpu0);
    return { n, msPerTicket: (cpu.user + cpu.system) / 1000 / n };
  } finally {
    for (const r of restore) r();
  }
}

/**
 * The whole local system on its own DynamoDB Local and SQS stand-in, with a table and queues named
 * `<prefix>-<random id>`; `stop` ends all three (the system first; stopping it twice is harmless).
 */
export async function startBenchSystem(config: ReturnType<typeof loadCityConfigFile>, prefix: string) {
  const [dynamo, sqs] = await Promise.all([startDynamoLocal(), startSqsLocal()]);
  const id = randomBytes(3).toString("hex");
  const system = await startLocalSystem({
    config,
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    sqsUrlBase: sqs.urlBase,
    tableName: `${prefix}-${id}`,
    queuePrefix: `${prefix}-${id}`,
    port: await freePort(),
    quiet: true,
    // The bench's DynamoDB Local is in memory: there is no disk to confirm a write against, and the raw floor
    // it is compared with reads nothing back either (npm start's on-disk store keeps the read-back).
    confirmWrites: false,
  });
  const stop = async () => {
    await system.stop().catch(() => undefined);
    await sqs.stop();
    await dynamo.stop();
  };
  return { dynamo, sqs, system, id, stop };
}

export async function runIntakeBench(opts: { perLevel?: number; inboxSamples?: number } = {}) {
  const perLevel = opts.perLevel ?? 400;
  const config = loadCityConfigFile("shared/config/city.json");
  // The bench files the same few texts hundreds of times: with repeat merging (重复工单) on, nearly all would be
  // merged as repeats of the first. Off here so that every ticket takes the full routed path; the repeat check's
  // own cost (one indexed query per ticket) is measured by npm run bench:dedup.
  config.dedup.enabled = false;
  const { dynamo, system, id, stop } = await startBenchSystem(config, "bench");
  try {
    const rawTable = `bench-raw-${id}`;
    await ensureTable(dynamo.endpoint, rawTable);
    const keys = await issueDemoKeys(system.runtime);
    let n = 0;
    const create = () => {
      const i = n++;
      return fileTicket(system.baseUrl, keys.operator, body(i), `bench-${id}-${i}`);
    };
    for (let i = 0; i < 30; i++) await create(); // warm-up
    await rawTransactions(dynamo.endpoint, rawTable, 4, 100); // warm-up

    // Interleave the two at each level so that both see the same machine state.
    const levels: { raw: Rate; intake: Rate }[] = [];
    for (const clients of CLIENTS) {
      const raw = await rawTransactions(dynamo.endpoint, rawTable, clients, perLevel, dynamo.pid);
      const intake = await measureWithCpu(dynamo.pid, clients, perLevel, async () => void (await create()));
      levels.push({ raw, intake });
    }

    // Intake → inbox: file a schooling report (education gets none of the load above), long-poll that inbox.
    const water = keys.departments.water!;
    const education = keys.departments.education!;
    const inbox: number[] = [];
    for (let s = 0; s < (opts.inboxSamples ?? 40); s++) {
      const t0 = performance.now();
      const created = await fileTicket(
        system.baseUrl,
        keys.operator,
        JSON.stringify({
          categoryId: "schooling",
          title: "孩子入学问题",
          description: "孩子今年入学，学校说学位已满，请帮忙协调。",
          location: { address: "西湖区北山街道保俶路1号" },
          reporter: { phone: "13900009999" },
        }),
      );
      if (created.department !== "education") throw new Error("the inbox sample was not routed to education");
      // Short polls (the SQS stand-in answers a long poll only when its wait ends, unlike SQS).
      for (let tries = 0; tries < 400; tries++) {
        if (tries) await new Promise((r) => setTimeout(r, 10));
        const res = await fetch(`${system.baseUrl}/v1/departments/education/inbox?wait=0&max=10`, {
          headers: { authorization: `Bearer ${education}` },
        });
        const got = (await res.json()) as { items: { leaseToken: string; ticket: { id: string } }[] };
        if (got.items.some((it) => it.ticket.id === created.id)) {
          inbox.push(performance.now() - t0);
          break;
        }
      }
    }

    // Department loop: poll the water inbox and accept what is there.
    const loop: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(`${system.baseUrl}/v1/departments/water/inbox?wait=0&max=1`, {
        headers: { authorization: `Bearer ${water}` },
      });
      const got = (await res.json()) as { items: { leaseToken: string; ticket: { id: string } }[] };
      const item = got.items[0];
      if (!item) continue;
      const act = await fetch(`${system.baseUrl}/v1/tickets/${item.ticket.id}/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${water}`, "content-type": "application/json" },
        body: JSON.stringify({ action: "accept", leaseToken: item.leaseToken }),
      });
      await act.arrayBuffer();
      loop.push(performance.now() - t0);
    }
    const memory = {
      apiMiB: process.memoryUsage().rss / 2 ** 20,
      dynamoMiB: dynamo.pid ? processTreeRssMiB(dynamo.pid) : null,
    };
    await system.stop();
    const cpu = await handlerCpu(config, 2000);
    const cpuSinon = await handlerCpu(config, 2000, { stub: "sinon" });
    return {
      levels,
      inbox: { n: inbox.length, p50: quantile(inbox, 0.5), p99: quantile(inbox, 0.99) },
      pollAndAccept: { n: loop.length, p50: quantile(loop, 0.5), p99: quantile(loop, 0.99) },
      cpu,
      cpuSinon,
      memory,
    };
  } finally {
    await stop();
  }
}

export function printIntake(r: Awaited<ReturnType<typeof runIntakeBench>>) {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const mark = (ok: boolean) => (ok ? "PASS" : "MISS");
  console.log(
    "intake on the embedded stand-ins (DynamoDB Local + local-aws-sqs, one 2-core machine, loopback)",
  );
  console.log("clients  raw txn/s  raw p50   intake/s  p50       p99       intake/raw  p50 ratio");
  for (const { raw, intake } of r.levels) {
    console.log(
      `${String(raw.clients).padEnd(8)} ${raw.perSecond.toFixed(0).padStart(9)}  ${ms(raw.p50).padEnd(8)}  ${intake.perSecond.toFixed(0).padStart(8)}  ${ms(intake.p50).padEnd(8)}  ${ms(intake.p99).padEnd(8)}  ${(intake.perSecond / raw.perSecond).toFixed(2).padStart(10)}  ${(intake.p50 / raw.p50).toFixed(2)}`,
    );
  }
  const cpu = (x: Rate) =>
    x.cpu ? `${x.cpu.nodeMs.toFixed(2)} + ${x.cpu.jvmMs === null ? "n/a" : x.cpu.jvmMs.toFixed(2)}` : "n/a";
  console.log("CPU per ticket, node (clients, API, handlers, poller, SQS) + DynamoDB Local JVM, ms:");
  for (const { raw, intake } of r.levels) {
    console.log(`  ${String(raw.clients).padEnd(3)} clients: raw ${cpu(raw)}; intake ${cpu(intake)}`);
  }
  const at16 = r.levels.find((l) => l.raw.clients === 16)!;
  const ratio = at16.intake.perSecond / at16.raw.perSecond;
  const p50f = at16.intake.p50 / at16.raw.p50;
  console.log(
    `  intake ≥ ${TARGETS.ratioAt16} × raw at 16 clients: ${ratio.toFixed(2)}  ${mark(ratio >= TARGETS.ratioAt16)}`,
  );
  console.log(
    `  intake p50 ≤ ${TARGETS.p50Factor} × raw p50 at 16 clients: ${p50f.toFixed(2)}  ${mark(p50f <= TARGETS.p50Factor)}`,
  );
  console.log(
    `  intake → inbox       n=${r.inbox.n}  p50 ${ms(r.inbox.p50)}  p99 ${ms(r.inbox.p99)}  (≤ ${TARGETS.inboxP99Ms} ms: ${mark(r.inbox.p99 <= TARGETS.inboxP99Ms)})`,
  );
  console.log(
    `  handler CPU          ${r.cpu.msPerTicket.toFixed(3)} ms/ticket over ${r.cpu.n} (AWS clients stubbed; ≤ ${TARGETS.cpuMsPerTicket}: ${mark(r.cpu.msPerTicket <= TARGETS.cpuMsPerTicket)}); ${r.cpuSinon.msPerTicket.toFixed(3)} with aws-sdk-client-mock's stub`,
  );
  console.log(
    `  poll + accept        n=${r.pollAndAccept.n}  p50 ${ms(r.pollAndAccept.p50)}  p99 ${ms(r.pollAndAccept.p99)}`,
  );
  console.log(
    `  memory               API + SQS stand-in process ${r.memory.apiMiB.toFixed(0)} MiB RSS; DynamoDB Local JVM ${r.memory.dynamoMiB === null ? "n/a" : `${r.memory.dynamoMiB.toFixed(0)} MiB`}`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runIntakeBench()
    .then(printIntake)
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
