import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { ticketFromStreamImage } from "../shared/adapters/table-stream.js";
import type { Core } from "../shared/services/context.js";
import { dispatchChanged } from "../shared/services/outbox.js";
import { addInvocationContext } from "./lib/lambda-log.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * The table's stream consumer (the dispatch outbox, shared/services/outbox.ts): for each ticket written with
 * the dispatch-pending mark, sends it to its queue and clears the mark. Failed records are reported as partial
 * batch failures (Powertools batch processor), so Lambda retries only them; after the event source's retry
 * limit the mark stays and the sweeper sends the ticket.
 */
export function recordHandler(core: Core) {
  return async (record: DynamoDBRecord) => {
    const ticket = ticketFromStreamImage(record.dynamodb?.NewImage as never);
    if (ticket) await dispatchChanged(core, ticket);
  };
}

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** One stream batch: the records whose delivery failed come back as batch item failures. */
export function processBatch(core: Core, event: DynamoDBStreamEvent, context: Context) {
  // A batch whose every record failed is answered like any partial failure (not thrown), so the event source's
  // retry and bisecting treat both alike.
  return processPartialResponse(event, recordHandler(core), processor, {
    context,
    throwOnFullBatchFailure: false,
  });
}

export async function handler(event: DynamoDBStreamEvent, context: Context) {
  addInvocationContext(context);
  const { core } = await fromEnvironment();
  const out = await processBatch(core, event, context);
  if (out.batchItemFailures.length) core.metrics.count("DeliveryFailures", {}, out.batchItemFailures.length);
  return out;
}
