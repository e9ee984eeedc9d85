import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { ticketFromStreamImage } from "../../shared/adapters/table-stream.js";
import { errorFields } from "../../shared/log.js";
import type { Core } from "../../shared/services/context.js";
import { dispatchChanged } from "../../shared/services/outbox.js";

const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

/**
 * The local stand-in for the table-stream Lambda (functions/outbox.ts): reads DynamoDB Local's stream of the
 * ticket table and hands each ticket image to `dispatchChanged`. A record whose delivery fails is tried again
 * (the shard's position does not move past it), as Lambda retries a failed batch item. It starts at the
 * stream's end: what was pending before is re-offered by the start-up reconciliation and the sweeper.
 */
export function startStreamPoller(
  core: Core,
  opts: { endpoint: string; tableName: string; idleMs?: number; busyMs?: number; attempts?: number },
) {
  const attempts = opts.attempts ?? 6;
  const ddb = new DynamoDBClient({ ...LOCAL, endpoint: opts.endpoint });
  const streams = new DynamoDBStreamsClient({ ...LOCAL, endpoint: opts.endpoint });
  const idleMs = opts.idleMs ?? 100;
  const busyMs = opts.busyMs ?? 10;
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Open shards of the stream and an iterator for each (LATEST for shards seen first now). */
  async function shardIterators(arn: string, known: Map<string, string | undefined>) {
    const desc = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    for (const shard of desc.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId;
      if (!id || known.has(id)) continue;
      const closed = !!shard.SequenceNumberRange?.EndingSequenceNumber;
      const it = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: id,
          // A shard that closed before we saw it has nothing new for us; a new child shard is read from its start.
          ShardIteratorType: known.size === 0 && !closed ? "LATEST" : "TRIM_HORIZON",
        }),
      );
      known.set(id, it.ShardIterator);
    }
  }

  /**
   * Each record is tried up to `attempts` times; one that still fails is left to the sweeper (its ticket keeps
   * the dispatch-pending mark), so that a ticket whose queue refuses it cannot hold up every later one — as a
   * Lambda event source with a retry limit and bisecting does.
   */
  async function handle(records: _Record[]) {
    for (const record of records) {
      let ticket: ReturnType<typeof ticketFromStreamImage>;
      try {
        ticket = ticketFromStreamImage(record.dynamodb?.NewImage as never);
      } catch (err) {
        // Skipped, not retried: it would fail the same way forever and hold up every later record. A ticket it
        // held keeps its dispatch-pending mark, so the sweeper sends it.
        core.log.log("error", "unreadable table stream record skipped", {
          key: record.dynamodb?.Keys?.PK?.S,
          ...errorFields(err),
        });
        continue;
      }
      if (!ticket) continue;
      for (let attempt = 1; ; attempt++) {
        try {
          await dispatchChanged(core, ticket);
          break;
        } catch (err) {
          if (attempt >= attempts || stopped) {
            core.log.log("warn", "delivery from the table stream failed; left pending for the sweeper", {
              ticketId: ticket.id,
              ...errorFields(err),
            });
            break;
          }
          await sleep(Math.min(2000, 100 * 2 ** attempt));
        }
      }
    }
  }

  let arn: string | undefined;
  const iterators = new Map<string, string | undefined>();
  let lastDescribe = 0;
  async function attach() {
    const table = await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
    arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${opts.tableName} has no stream`);
    await shardIterators(arn, iterators);
    lastDescribe = Date.now();
  }
  // Attached before the API opens, so that no write after start-up is missed.
  const ready = attach();

  const loop = (async () => {
    await ready.catch(() => undefined);
    while (!stopped) {
      try {
        if (!arn) await attach();
        if (arn && (Date.now() - lastDescribe > 5000 || iterators.size === 0)) {
          await shardIterators(arn, iterators);
          lastDescribe = Date.now();
        }
        let busy = false;
        for (const [shard, iterator] of iterators) {
          if (!iterator || stopped) continue;
          const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
          const records = out.Records ?? [];
          await handle(records);
          iterators.set(shard, out.NextShardIterator);
          if (records.length) busy = true;
        }
        await sleep(busy ? busyMs : idleMs);
      } catch (err) {
        if (stopped) break;
        const name = (err as { name?: string }).name;
        if (name === "ExpiredIteratorException" || name === "TrimmedDataAccessException") {
          iterators.clear(); // start again at the stream's end; the sweeper covers what was skipped
        }
        core.log.log("warn", "table stream poll failed; retrying", errorFields(err));
        await sleep(1000);
      }
    }
  })();

  return {
    ready,
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      ddb.destroy();
      streams.destroy();
    },
  };
}
