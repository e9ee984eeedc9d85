import type { Ticket } from "../domain/ticket.js";
import { errorFields } from "../log.js";
import type { Core } from "./context.js";
import { type ClearMark, sendOwed } from "./delivery.js";

/**
 * The table is the outbox (DynamoDB Streams): every write of a ticket that needs a queue carries the
 * dispatch-pending mark, and the stream consumer — a Lambda on the table's stream in AWS, a stream poller
 * locally — sends it and clears the mark. The request path ends with the transaction, so nothing can fall
 * between the write and the send; the sweeper still re-sends whatever keeps the mark (a consumer that was down
 * longer than the stream keeps records).
 *
 * Throws when the send fails, so the stream record is retried (Lambda: a partial batch failure; locally the
 * poller stays on the record).
 *
 * A stream consumer sees records again: Lambda retries a whole batch after a crash or timeout, and everything
 * from the first failed record after a partial failure. So an image is sent only while the stored ticket is
 * still at that version and still marked (one consistent read): a record already delivered — its mark cleared —
 * or one older than the stored ticket (whose newer image, later on the same shard, owes the messages now) sends
 * nothing. Each target so gets each change once; only a consumer that dies between the send and the clearing
 * sends twice, and the inbox drops that copy. A consumer that never sees a record twice and itself skips the
 * images a newer one supersedes (the local poller) passes `once` and saves that read. It also passes `clear`,
 * which collects the marks of delivered tickets and clears them in batches (`batchedClears`): one request per
 * batch instead of one per ticket. A Lambda consumer clears each at once, so that a replay after it died
 * mid-batch finds the marks of what was already sent.
 */
export async function dispatchChanged(
  core: Core,
  ticket: Ticket,
  opts: { once?: boolean; clear?: ClearMark } = {},
): Promise<"sent" | "not-pending" | "superseded"> {
  if (!ticket.dispatchPending) return "not-pending";
  // `once`: the caller hands each image over exactly once and drops the ones a newer image supersedes (the
  // local stream poller, which never replays a record): the read guards only against replays, so it is skipped.
  // The mark is still cleared only at this version.
  if (!opts.once) {
    const stored = await core.store.dispatchState(ticket.id);
    if (!stored?.pending || stored.version !== ticket.version) return "superseded";
  }
  return (await sendOwed(core, ticket, { clear: opts.clear })) ? "sent" : "not-pending";
}

/**
 * Collects delivered tickets' marks and clears them together: at `max` marks, or `delayMs` after the first one
 * of a batch. A batch that cannot be written is logged and dropped: its marks stay, and the sweeper sends those
 * tickets again (consumers drop the copy), as when a single clearing fails.
 */
export function batchedClears(core: Core, opts: { max?: number; delayMs?: number } = {}) {
  const max = opts.max ?? 25;
  const delayMs = opts.delayMs ?? 20;
  let marks: { id: string; version: number }[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const writing = new Set<Promise<void>>();
  function flush() {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = marks;
    marks = [];
    if (!batch.length) return;
    const write: Promise<void> = core.store
      .clearDispatchPendingMany(batch)
      .then(() => undefined)
      .catch((err) => {
        core.log.log("warn", "could not clear dispatch-pending marks", {
          marks: batch.length,
          ...errorFields(err),
        });
      })
      .finally(() => writing.delete(write));
    writing.add(write);
  }
  const clear: ClearMark = (id, version) => {
    marks.push({ id, version });
    if (marks.length >= max) flush();
    else timer ??= setTimeout(flush, delayMs);
  };
  return {
    clear,
    /** Writes what is collected and waits for every batch still being written. */
    async drain() {
      flush();
      await Promise.all(writing);
    },
  };
}
