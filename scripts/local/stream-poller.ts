import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { keys } from "../../shared/adapters/table.js";
import { isPendingTicketImage, ticketFromStreamImage } from "../../shared/adapters/table-stream.js";
import type { Ticket } from "../../shared/domain/ticket.js";
import { errorFields } from "../../shared/log.js";
import type { Core } from "../../shared/services/context.js";
import { batchedClears, dispatchChanged } from "../../shared/services/outbox.js";

const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

/**
 * The local stand-in for the table-stream Lambda (functions/outbox.ts): reads DynamoDB Local's stream of the
 * ticket table and hands each ticket image to `dispatchChanged`. A record whose delivery fails is tried again
 * (the shard's position does not move past it), as Lambda retries a failed batch item. It starts at the
 * stream's end: what was pending before is re-offered by the start-up reconciliation and the sweeper.
 */
export function startStreamPoller(
  core: Core,
  opts: {
    endpoint: string;
    tableName: string;
    idleMs?: number;
    busyMs?: number;
    attempts?: number;
    concurrency?: number;
  },
) {
  const attempts = opts.attempts ?? 6;
  const concurrency = opts.concurrency ?? 8;
  const ddb = new DynamoDBClient({ ...LOCAL, endpoint: opts.endpoint });
  const streams = new DynamoDBStreamsClient({ ...LOCAL, endpoint: opts.endpoint });
  // How often a shard is asked. Each GetRecords costs DynamoDB Local's JVM about the same whether or not the
  // shard has anything new (on this machine an idle stream asked every 10 ms took 20–43 % of a core, every 50 ms
  // ~12 %, every 250 ms ~1 % above no poller at all), and that JVM is the store the requests wait for. So a shard
  // is asked every 50 ms, busy or idle (busy was every 10 ms: the poller's own load during the intake it serves),
  // and one that gave a full page at once again. Not slower when idle: a ticket filed then waits up to one
  // interval, and callers (tests, a department's first poll) expect it in the queue about that soon.
  const idleMs = opts.idleMs ?? 50;
  const busyMs = opts.busyMs ?? 50;
  const pageSize = 100;
  let stopped = false;
  // Every pending sleep (the loop's and each retrying delivery's), so that stop() ends them at once.
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
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

  // The marks of delivered tickets are cleared in batches: one transaction for up to 25 instead of an update each.
  const clears = batchedClears(core);

  /** One record, tried up to `attempts` times; one that still fails is left to the sweeper. */
  async function deliver(ticket: Ticket) {
    for (let attempt = 1; ; attempt++) {
      // A newer image of this ticket came in behind this one: it owes what is still owed (Lambda's consumer
      // learns this from a consistent read; the poller knows it from the stream, which it reads in order).
      if ((newest.get(ticket.id) ?? 0) > ticket.version) return;
      try {
        await dispatchChanged(core, ticket, { once: true, clear: clears.clear });
        return;
      } catch (err) {
        if (attempt >= attempts || stopped) {
          core.log.log("warn", "delivery from the table stream failed; left pending for the sweeper", {
            ticketId: ticket.id,
            ...errorFields(err),
          });
          return;
        }
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * Deliveries run side by side, up to `concurrency` at once (Lambda's batch processor runs a batch's records in
   * parallel too), each ticket's images in stream order; the next GetRecords does not wait for a batch to be
   * delivered, only for a free slot. One record after another, each paying its store and queue round trips
   * under load, fell seconds behind the writes (npm run bench: intake → inbox p99 2.4–3.3 s). Nothing depends
   * on the shard position surviving: a restarted poller begins at the stream's end and the start-up
   * reconciliation and the sweeper cover the rest. A record that keeps failing is left to the sweeper (its
   * ticket keeps the dispatch-pending mark), so that a ticket whose queue refuses it cannot hold up every
   * later one — as a Lambda event source with a retry limit and bisecting does.
   */
  const chains = new Map<string, Promise<void>>();
  /** The newest version seen on the stream of each ticket with a delivery still queued or running. */
  const newest = new Map<string, number>();
  let active = 0;
  const slotWaiters: (() => void)[] = [];
  function enqueue(ticket: Ticket) {
    active++;
    const chain: Promise<void> = (chains.get(ticket.id) ?? Promise.resolve())
      .then(() => deliver(ticket))
      .finally(() => {
        active--;
        if (chains.get(ticket.id) === chain) {
          chains.delete(ticket.id);
          newest.delete(ticket.id);
        }
        slotWaiters.shift()?.();
      });
    chains.set(ticket.id, chain);
  }
  async function freeSlot() {
    while (active >= concurrency && !stopped) await new Promise<void>((r) => slotWaiters.push(r));
  }
  function handle(records: _Record[]) {
    for (const record of records) {
      const image = record.dynamodb?.NewImage;
      // Any newer image of a ticket whose delivery waits (pending or not: a change after it was handled)
      // supersedes the waiting one.
      const id = image?.SK?.S === "META" ? keys.ticketIdOf(image.PK?.S) : null;
      if (id && chains.has(id) && image?.version?.N) {
        newest.set(id, Math.max(newest.get(id) ?? 0, Number(image.version.N)));
      }
      // The filter the Lambda event source applies, on the attribute values: most records (events, side items,
      // counters, the clearing of a mark) are dropped without being unmarshalled.
      if (!isPendingTicketImage(record.dynamodb?.NewImage as never)) continue;
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
      if (ticket?.dispatchPending) enqueue(ticket);
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
        let full = false;
        for (const [shard, iterator] of iterators) {
          if (!iterator || stopped) continue;
          await freeSlot();
          const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: pageSize }));
          const records = out.Records ?? [];
          handle(records);
          iterators.set(shard, out.NextShardIterator);
          if (records.length) busy = true;
          if (records.length >= pageSize) full = true;
          // A closed shard: its child holds the next writes, so look for it now rather than in 5 s.
          if (!out.NextShardIterator) lastDescribe = 0;
        }
        if (!full) await sleep(busy ? busyMs : idleMs);
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
      for (const done of [...sleepers]) done();
      for (const waiter of slotWaiters.splice(0)) waiter();
      await loop;
      await Promise.all(chains.values());
      await clears.drain();
      ddb.destroy();
      streams.destroy();
    },
  };
}
