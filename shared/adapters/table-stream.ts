import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Ticket } from "../domain/ticket.js";
import { SK, ticketFromItems } from "./table.js";

/**
 * DynamoDB Local's stream writes an empty map attribute as `{}` instead of `{"M":{}}` (the table itself keeps
 * `{"M":{}}`; DynamoDB's own stream does too). Read such a value as the empty map it was written as, so that
 * one ticket with an empty map (a location whose area is not known) cannot stop the stream's consumer.
 */
function repaired(value: AttributeValue): AttributeValue {
  const v = value as unknown as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length === 0) return { M: {} };
  if (v.M && typeof v.M === "object") return { M: repairedMap(v.M as Record<string, AttributeValue>) };
  if (Array.isArray(v.L)) return { L: (v.L as AttributeValue[]).map(repaired) };
  return value;
}

function repairedMap(image: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(image)) out[k] = repaired(v);
  return out;
}

/** True when a new image is a ticket's META item (read from the attribute values, nothing unmarshalled). */
function isTicketImage(image: Record<string, AttributeValue>): boolean {
  return image[SK]?.S === "META" && image.entity?.S === "ticket";
}

/**
 * True when a stream record's new image is a ticket that carries the dispatch-pending mark — the filter the
 * Lambda event source applies (infra) — decided on the attribute values: a transaction writes several items
 * and the clearing of the mark writes the ticket once more, and none of those images is unmarshalled.
 */
export function isPendingTicketImage(image: Record<string, AttributeValue> | undefined): boolean {
  if (!image || !isTicketImage(image)) return false;
  const ticket = image.ticket?.M as Record<string, AttributeValue> | undefined;
  return ticket?.dispatchPending?.BOOL === true;
}

/** The ticket a stream record's new image holds, or null for any other item (events, keys, counters…). */
export function ticketFromStreamImage(image: Record<string, AttributeValue> | undefined): Ticket | null {
  if (!image || !isTicketImage(image)) return null;
  const item = unmarshall(repairedMap(image));
  if (item[SK] !== "META" || item.entity !== "ticket") return null;
  return ticketFromItems(item);
}
