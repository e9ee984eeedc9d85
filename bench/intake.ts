/**
 * Intake benchmark on the embedded stand-ins: latency of POST /v1/tickets through the local API (same handlers
 * as on Lambda, real SDK clients, DynamoDB Local, local-aws-sqs), throughput at a fixed concurrency, and the
 * department loop (poll + accept). Run: `npx tsx bench/intake.ts` or as part of `npm run bench`.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, startDynamoLocal, startSqsLocal } from "../scripts/local/stand-ins.js";
import { issueDemoKeys, startLocalSystem } from "../scripts/local/system.js";
import { quantile } from "../shared/classify/evaluate.js";
import { parseCityConfig } from "../shared/config/load.js";

const REPORTS = [
  { categoryId: "drainage", title: "污水井冒水", description: "小区门口污水井冒水，路面积水严重。" },
  { categoryId: "noise", title: "夜间施工噪音", description: "工地每天夜里十二点以后还在施工，噪音很大。" },
  { categoryId: "wage-arrears", title: "拖欠工资", description: "装修公司拖欠三个月工资不发。" },
  { title: "路灯不亮", description: "人民路东段路灯一到晚上就不亮，行人很不安全。" },
];

export async function runIntakeBench(
  opts: { sequential?: number; concurrent?: number; concurrency?: number } = {},
) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sequential = opts.sequential ?? 200;
  const concurrent = opts.concurrent ?? 400;
  const concurrency = opts.concurrency ?? 10;
  const config = parseCityConfig(JSON.parse(readFileSync("shared/config/city.json", "utf8")), "city.json");
  const [dynamo, sqs] = await Promise.all([startDynamoLocal(), startSqsLocal()]);
  const id = randomBytes(3).toString("hex");
  const system = await startLocalSystem({
    config,
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
    sqsUrlBase: sqs.urlBase,
    tableName: `bench-${id}`,
    queuePrefix: `bench-${id}`,
    port: await freePort(),
    quiet: true,
  });
  try {
    const keys = await issueDemoKeys(system.runtime);
    let n = 0;
    const create = async () => {
      const r = REPORTS[n % REPORTS.length]!;
      n++;
      const t0 = performance.now();
      const res = await fetch(`${system.baseUrl}/v1/tickets`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${keys.operator}`,
          "content-type": "application/json",
          "idempotency-key": `bench-${id}-${n}`,
        },
        body: JSON.stringify({
          ...r,
          location: { address: "西湖区北山街道保俶路1号" },
          reporter: { phone: `139${String(n).padStart(8, "0")}` },
        }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) await create(); // warm-up
    const seq: number[] = [];
    for (let i = 0; i < sequential; i++) seq.push(await create());

    const started = performance.now();
    let remaining = concurrent;
    const conc: number[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (remaining-- > 0) conc.push(await create());
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    // Department loop: poll the water inbox and accept what is there.
    const water = keys.departments.water!;
    const loop: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(`${system.baseUrl}/v1/departments/water/inbox?wait=0&max=1`, {
        headers: { authorization: `Bearer ${water}` },
      });
      const body = (await res.json()) as { items: { leaseToken: string; ticket: { id: string } }[] };
      const item = body.items[0];
      if (!item) continue;
      const act = await fetch(`${system.baseUrl}/v1/tickets/${item.ticket.id}/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${water}`, "content-type": "application/json" },
        body: JSON.stringify({ action: "accept", leaseToken: item.leaseToken }),
      });
      await act.arrayBuffer();
      loop.push(performance.now() - t0);
    }
    return {
      createSequential: { n: seq.length, p50: quantile(seq, 0.5), p99: quantile(seq, 0.99) },
      createConcurrent: {
        n: conc.length,
        concurrency,
        perSecond: conc.length / seconds,
        p50: quantile(conc, 0.5),
        p99: quantile(conc, 0.99),
      },
      pollAndAccept: { n: loop.length, p50: quantile(loop, 0.5), p99: quantile(loop, 0.99) },
      rssMiB: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    await system.stop();
    await sqs.stop();
    await dynamo.stop();
  }
}

export function printIntake(r: Awaited<ReturnType<typeof runIntakeBench>>) {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log("intake on the embedded stand-ins (DynamoDB Local + local-aws-sqs, one machine, loopback)");
  console.log(
    `  create, sequential   n=${r.createSequential.n}  p50 ${ms(r.createSequential.p50)}  p99 ${ms(r.createSequential.p99)}`,
  );
  console.log(
    `  create, ${r.createConcurrent.concurrency} in flight  n=${r.createConcurrent.n}  ${r.createConcurrent.perSecond.toFixed(0)} tickets/s  p50 ${ms(r.createConcurrent.p50)}  p99 ${ms(r.createConcurrent.p99)}`,
  );
  console.log(
    `  poll + accept        n=${r.pollAndAccept.n}  p50 ${ms(r.pollAndAccept.p50)}  p99 ${ms(r.pollAndAccept.p99)}`,
  );
  console.log(
    `  API process RSS      ${r.rssMiB.toFixed(0)} MiB (bench process incl. the SQS server; DynamoDB Local is a separate JVM)`,
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
