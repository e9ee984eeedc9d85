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
 */
export async function dispatchChanged(core: Core, ticket: Ticket): Promise<"sent" | "not-pending"> {
  if (!ticket.dispatchPending) return "not-pending";
  return (await sendOwed(core, ticket)) ? "sent" : "not-pending";
}
