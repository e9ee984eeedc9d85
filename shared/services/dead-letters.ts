import { QueueMessage } from "../domain/ticket.js";
import { deadLetterTarget, TRIAGE } from "../ports.js";
import type { Core } from "./context.js";

export interface DeadLetter {
  queue: string;
  ticketId: string | null;
  ticketNo: string | null;
  /** The ticket's state now (null: unreadable message or no such ticket). */
  status: string | null;
  /** True when the ticket still waits in that queue: `dlq redrive` offers it again. */
  waiting: boolean;
}

/**
 * What sits in the department and triage dead-letter queues, without consuming it: each message is received
 * with a 1-second lease and left to reappear (`npm run cli -- dlq list`). Up to `maxPerQueue` per queue.
 */
export async function listDeadLetters(
  core: Core,
  opts: { maxPerQueue?: number } = {},
): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  const targets = [...core.config.departments.map((d) => d.id), TRIAGE];
  for (const target of targets) {
    const dlq = deadLetterTarget(target);
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const received = await core.queue.receive(dlq, {
        max: Math.min(10, opts.maxPerQueue ?? 10),
        waitSeconds: 0,
        visibilitySeconds: 1,
      });
      if (!received.length) break;
      for (const { message } of received) {
        const parsed = QueueMessage.safeParse(message);
        const key = parsed.success
          ? `${parsed.data.ticketId}#${parsed.data.version}`
          : JSON.stringify(message);
        if (seen.has(key)) continue;
        seen.add(key);
        const ticket = parsed.success ? await core.store.get(parsed.data.ticketId) : null;
        out.push({
          queue: dlq,
          ticketId: parsed.success ? parsed.data.ticketId : null,
          ticketNo: parsed.success ? parsed.data.ticketNo : null,
          status: ticket?.status ?? null,
          waiting:
            !!ticket &&
            (target === TRIAGE
              ? ticket.status === "triage"
              : ticket.status === "dispatched" && ticket.department === target),
        });
      }
    }
  }
  return out;
}
