import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { processNotification } from "../shared/notify/service.js";
import { fromEnvironment } from "./lib/runtime.js";

const processor = new BatchProcessor(EventType.SQS);

/**
 * SQS consumer of the notification queue (DESIGN.md §4): each record is one resident notification, delivered
 * through the sender of the ticket's origin channel (SMS for web, hotline and Open311). A failed record is
 * reported as a partial batch failure and retried by SQS; a delivered one is remembered, so a redelivery is not
 * sent twice.
 */
export async function handler(event: SQSEvent) {
  const { core } = await fromEnvironment();
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      let body: unknown = null;
      try {
        body = JSON.parse(record.body);
      } catch {
        body = null; // processNotification logs and drops what it cannot read
      }
      await processNotification(core, core.senders, body);
    },
    processor,
  );
}
