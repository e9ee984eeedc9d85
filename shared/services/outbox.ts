import type { Ticket } from "../domain/ticket.js";
import type { Core } from "./context.js";
import { queueMessagesFor } from "./delivery.js";

/**
 * The table is the outbox (DynamoDB Streams): every write of a ticket that needs a queue carries the
 * dispatch-pending mark, and the stream consumer — a Lambda on the table's stream in AWS, a stream poller
 * locally — sends it and clears the mark. The request path ends with the transaction, so nothing can fall
 * between the write and the send; the sweeper still re-sends whatever keeps the mark (a consumer that was down
 * longer than the stream keeps records).
 *
 * Throws when the send fails, so the stream record is retried (Lambda: a partial batch failure; locally the
 * poller stays on the record).
 */
export async function dispatchChanged(core: Core, ticket: Ticket): Promise<"sent" | "not-pending"> {
  if (!ticket.dispatchPending) return "not-pending";
  // the lead's (or triage's) message, and one per co-handler (协办) still to accept
  const all = queueMessagesFor(ticket);
  const out = all[0];
  if (!out) {
    await core.store.clearDispatchPending(ticket.id, ticket.version);
    return "not-pending";
  }
  for (const m of all) await core.queue.send(m.target, m.message);
  // Only clears while the ticket is still at this version: a newer change carries its own mark.
  await core.store.clearDispatchPending(ticket.id, ticket.version);
  core.log.log("info", "ticket delivered", {
    ticketId: ticket.id,
    target: out.target,
    version: ticket.version,
  });
  return "sent";
}
