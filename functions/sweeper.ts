import { sweepAll } from "../shared/closure/sweep.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * Scheduled (EventBridge): re-sends tickets whose queue delivery is still pending, offers again the tickets that
 * went unclaimed into a dead-letter queue, supervises deadlines (warn 预警, urge 督办, escalate 升级) and closes
 * unanswered callbacks (回访) unrated.
 */
export async function handler() {
  const { core } = await fromEnvironment();
  const out = await sweepAll(core);
  if (out.pending.delivered) core.metrics.count("DeliveryRetries", {}, out.pending.delivered);
  if (out.pending.failed) core.metrics.count("DeliveryFailures", {}, out.pending.failed);
  if (out.deadLetters.redriven) core.metrics.count("DeadLetters", {}, out.deadLetters.redriven);
  return out;
}
