import { redriveDeadLetters, sweepPending } from "../shared/services/delivery.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * Scheduled (EventBridge): re-sends tickets whose queue delivery is still pending, and offers again the
 * tickets that went unclaimed into a dead-letter queue.
 */
export async function handler() {
  const { core } = await fromEnvironment();
  const pending = await sweepPending(core);
  const deadLetters = await redriveDeadLetters(core);
  if (pending.delivered) core.metrics.count("DeliveryRetries", {}, pending.delivered);
  if (pending.failed) core.metrics.count("DeliveryFailures", {}, pending.failed);
  if (deadLetters.redriven) core.metrics.count("DeadLetters", {}, deadLetters.redriven);
  return { ...pending, ...deadLetters };
}
