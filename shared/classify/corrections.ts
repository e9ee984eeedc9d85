// Learning from the city's own corrections: closed tickets become labelled examples.
import { createHash } from "node:crypto";
import type { LabelledTicket, TicketStore } from "../ports.js";
import { VOICE_WEIGHT } from "./recipe.js";
import type { TrainingRow } from "./types.js";

/** Weight of a ticket whose category a closure confirmed without a dispatcher touching it. */
export const CONFIRMED_WEIGHT = 2;

/** A labelled example from a closed ticket, with the id that decides its side of the held-back slice. */
export interface TicketExample extends TrainingRow {
  ticketId: string;
  source: "dispatcher" | "confirmed";
}

export interface CorrectionsSummary {
  /** Closed tickets read. */
  read: number;
  /** Category set by a dispatcher (assigned in triage, or re-categorised after a return). */
  dispatcher: number;
  /** Category from the operator or the model, kept until closure. */
  confirmed: number;
  /** Skipped: no category, a category no model label maps to, or no text. */
  skipped: number;
}

/**
 * Turns closed tickets into training rows. Every closed ticket's category was confirmed by its closure; the ones a
 * dispatcher set (categorySource "dispatcher") are the corrections the model most needs and weigh
 * {@link VOICE_WEIGHT}, the others {@link CONFIRMED_WEIGHT}. `labelOf` maps a category id to a model label
 * (null: the category has no label, the ticket is skipped).
 */
export function examplesFromTickets(
  tickets: readonly LabelledTicket[],
  labelOf: (categoryId: string) => string | null,
): { examples: TicketExample[]; summary: CorrectionsSummary } {
  const summary: CorrectionsSummary = { read: tickets.length, dispatcher: 0, confirmed: 0, skipped: 0 };
  const examples: TicketExample[] = [];
  for (const t of tickets) {
    const label = t.categoryId ? labelOf(t.categoryId) : null;
    const text = `${t.title}\n${t.description}`.trim();
    if (!label || !text) {
      summary.skipped++;
      continue;
    }
    const source = t.categorySource === "dispatcher" ? "dispatcher" : "confirmed";
    summary[source]++;
    examples.push({
      text,
      label,
      weight: source === "dispatcher" ? VOICE_WEIGHT : CONFIRMED_WEIGHT,
      ticketId: t.id,
      source,
    });
  }
  return { examples, summary };
}

/** Reads every closed ticket a page at a time (at most `max`), and turns them into examples. */
export async function readCorrections(
  store: Pick<TicketStore, "listClosedForTraining">,
  labelOf: (categoryId: string) => string | null,
  options: { pageSize?: number; max?: number } = {},
): Promise<{ examples: TicketExample[]; summary: CorrectionsSummary }> {
  const pageSize = options.pageSize ?? 200;
  const max = options.max ?? 200_000;
  const tickets: LabelledTicket[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listClosedForTraining(Math.min(pageSize, max - tickets.length), cursor);
    tickets.push(...page.items);
    cursor = page.cursor;
  } while (cursor && tickets.length < max);
  return examplesFromTickets(tickets, labelOf);
}

/**
 * True for the tickets of the held-back slice (about `fraction` of them). Decided by a hash of the ticket id, not
 * by a shuffle: a ticket held back once is held back in every later run, so a model this job trained never saw
 * the tickets it is compared on, and old and new models are scored on the same slice.
 */
export function isHeldBack(ticketId: string, fraction = 0.2): boolean {
  const h = createHash("sha256").update(ticketId).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < fraction;
}
