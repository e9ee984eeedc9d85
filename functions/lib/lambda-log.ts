import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { type Logger, type LogLevel, redact } from "../../shared/log.js";

/**
 * The functions' log in AWS: Powertools Logger (JSON lines with the Lambda context — function name and version,
 * cold start, the invocation's request id — and the X-Ray trace id as correlation ids), behind the project's
 * Logger port so that every field still goes through shared/log.ts `redact` (phones and names masked) before
 * Powertools sees it. Locally the same port writes shared/log.ts's own JSON lines.
 */
let instance: PowertoolsLogger | undefined;
/** Made on first use (a function that logs nothing pays nothing for it at start-up). */
export function powertools(): PowertoolsLogger {
  instance ??= new PowertoolsLogger({ serviceName: "intake" });
  return instance;
}

/** Keys Powertools keeps for itself (it drops them from a line's fields, with a warning): ours get a prefix. */
const RESERVED = new Set(["level", "message", "sampling_rate", "service", "timestamp"]);

export function lambdaLogger(base: Record<string, unknown> = {}): Logger {
  return {
    log(level: LogLevel, msg: string, fields?: Record<string, unknown>) {
      const masked = redact({ msg, ...base, ...fields }) as Record<string, unknown> & { msg: string };
      const { msg: message, ...rest } = masked;
      const renamed = Object.fromEntries(
        Object.entries(rest).map(([k, v]) => [RESERVED.has(k) ? `field_${k}` : k, v]),
      );
      powertools()[level](message, renamed);
    },
    child(fields) {
      return lambdaLogger({ ...base, ...fields });
    },
  };
}

/** Each invocation's correlation ids (the Lambda context); a local call without one changes nothing. */
export function addInvocationContext(context: Context | undefined): void {
  if (context?.awsRequestId) powertools().addContext(context);
}
