import { sweepPending } from "../shared/services/delivery.js";
import { fromEnvironment } from "./lib/runtime.js";

/** Scheduled (EventBridge): re-sends tickets whose queue delivery is still pending. */
export async function handler(): Promise<{ seen: number; delivered: number; failed: number }> {
  const { core } = await fromEnvironment();
  return sweepPending(core);
}
