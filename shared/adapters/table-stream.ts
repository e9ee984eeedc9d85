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

/** The ticket a stream record's new image holds, or null for any other item (events, keys, counters…). */
export function ticketFromStreamImage(image: Record<string, AttributeValue> | undefined): Ticket | null {
  if (!image) return null;
  const item = unmarshall(repairedMap(image));
  if (item[SK] !== "META" || item.entity !== "ticket") return null;
  return ticketFromItems(item);
}
