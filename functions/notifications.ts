import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { processNotification } from "../shared/notify/service.js";
import { fromEnvironment } from "./lib/runtime.js";

const processor = new BatchProcessor(EventType.SQS);

/** One record: parsed (zod, in processNotification), delivered once, or thrown to be retried alone. */
async function recordHandler(record: SQSRecord): Promise<void> {
  const { core } = await fromEnvironment();
  let body: unknown = null;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = null; // reported as unreadable and dropped: retrying would not make it readable
  }
  await processNotification(core, core.senders, body);
}

/**
 * SQS-triggered (the notification queue): delivers each progress message through the sender of the ticket's
 * channel and reports the records that failed as partial batch failures, so only those come back.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, recordHandler, processor, { context });
}
