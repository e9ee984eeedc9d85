import type { Ticket } from "../domain/ticket.js";
import type { Core } from "./context.js";
import { sendOwed } from "./delivery.js";

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
 * images a newer one supersedes (the local poller) passes `once` and saves that read.
 */
export async function dispatchChanged(
  core: Core,
  ticket: Ticket,
  opts: { once?: boolean } = {},
): Promise<"sent" | "not-pending" | "superseded"> {
  if (!ticket.dispatchPending) return "not-pending";
  // `once`: the caller hands each image over exactly once and drops the ones a newer image supersedes (the
  // local stream poller, which never replays a record): the read guards only against replays, so it is skipped.
  // The mark is still cleared only at this version.
  if (!opts.once) {
    const stored = await core.store.dispatchState(ticket.id);
    if (!stored?.pending || stored.version !== ticket.version) return "superseded";
  }
  return (await sendOwed(core, ticket)) ? "sent" : "not-pending";
}
