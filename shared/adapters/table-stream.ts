import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Ticket } from "../domain/ticket.js";
import { SK, ticketFromItems } from "./table.js";

/** The ticket a stream record's new image holds, or null for any other item (events, keys, counters…). */
export function ticketFromStreamImage(image: Record<string, AttributeValue> | undefined): Ticket | null {
  if (!image) return null;
  const item = unmarshall(image);
  if (item[SK] !== "META" || item.entity !== "ticket") return null;
  return ticketFromItems(item);
}
