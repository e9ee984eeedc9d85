/**
 * npm run bench:durability — does DynamoDB Local keep what it acknowledged when it is killed with SIGKILL?
 * Streams writes (TransactWriteItems and PutItem, a few in flight) at a DynamoDB Local with data on disk, kills
 * its JVM with SIGKILL mid-stream, restarts it on the same files and counts acknowledged items that are gone.
 *   ROUNDS=5 KILL_AFTER_MS=1500 npm run bench:durability
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { freePort, startDynamoLocal } from "../scripts/local/stand-ins.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const KILL_AFTER_MS = Number(process.env.KILL_AFTER_MS ?? 1500);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);

function javaPid(dbPath: string): number {
  const line = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .find((l) => l.includes(dbPath) && l.includes("java") && !l.includes("sh -c"));
  if (!line) throw new Error("JVM not found");
  return Number(line.trim().split(/\s+/)[0]);
}

async function round(n: number, extraArgs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "ddb-durability-"));
  const port = await freePort();
  let ddb = await startDynamoLocal({ dbPath: dir, port, extraArgs });
  const client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: ddb.endpoint,
    credentials: { accessKeyId: "l", secretAccessKey: "l" },
    maxAttempts: 1,
  });
  const doc = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: "durability",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }],
    }),
  );
  const acked: { id: string; kind: string; at: number }[] = [];
  let killedAt = 0;
  let i = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const id = `${n}-${i++}`;
      const kind = i % 2 ? "transact" : "put";
      try {
        if (kind === "transact") {
          await doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: { TableName: "durability", Item: { PK: `T#${id}`, v: 1 } } },
                { Put: { TableName: "durability", Item: { PK: `E#${id}`, v: 1 } } },
              ],
            }),
          );
        } else await doc.send(new PutCommand({ TableName: "durability", Item: { PK: `T#${id}`, v: 1 } }));
        if (process.env.VERIFY === "1") {
          // Count it as acknowledged only once a consistent read sees it (what the store does locally).
          const seen = await doc.send(
            new GetCommand({ TableName: "durability", Key: { PK: `T#${id}` }, ConsistentRead: true }),
          );
          if (!seen.Item) continue;
        }
        acked.push({ id, kind, at: Date.now() });
      } catch {
        if (killedAt) stop = true;
      }
    }
  };
  const workers = Array.from({ length: IN_FLIGHT }, worker);
  await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
  process.kill(javaPid(dir), "SIGKILL");
  killedAt = Date.now();
  await Promise.all(workers);
  await ddb.stop();
  ddb = await startDynamoLocal({ dbPath: dir, port, extraArgs });
  let lost = 0;
  const lostKinds: Record<string, number> = {};
  for (const a of acked) {
    const out = await doc.send(
      new GetCommand({ TableName: "durability", Key: { PK: `T#${a.id}` }, ConsistentRead: true }),
    );
    if (!out.Item) {
      lost++;
      lostKinds[a.kind] = (lostKinds[a.kind] ?? 0) + 1;
    }
  }
  await ddb.stop();
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
  return { acked: acked.length, lost, lostKinds };
}

const variants: [string, string[]][] = [["default", []]];
if (process.env.VARIANT_ARGS)
  variants.push([`with ${process.env.VARIANT_ARGS}`, process.env.VARIANT_ARGS.split(" ")]);
for (const [name, args] of variants) {
  for (let n = 0; n < ROUNDS; n++) {
    const r = await round(n, args);
    console.log(JSON.stringify({ variant: name, round: n, ...r }));
  }
}
process.exit(0);
