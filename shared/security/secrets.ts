import { createHmac, randomBytes } from "node:crypto";

/**
 * One deployment secret (setting `INTAKE_SECRET`; locally generated once into .data with mode 600; in AWS read
 * from Secrets Manager at start-up) from which each purpose derives its own key, so that a lease token's
 * signature can never be replayed as a phone-index hash or the other way round.
 */
export type Purpose = "lease" | "phone-index";

export interface Secrets {
  key(purpose: Purpose): Buffer;
}

export function secretsFrom(master: string | Buffer): Secrets {
  if (master.length < 16) throw new Error("INTAKE_SECRET must be at least 16 characters");
  const cache = new Map<Purpose, Buffer>();
  return {
    key(purpose) {
      let k = cache.get(purpose);
      if (!k) {
        k = createHmac("sha256", master).update(`intake/${purpose}/v1`).digest();
        cache.set(purpose, k);
      }
      return k;
    },
  };
}

/** A secret for one process only (unit tests, a single local process): tokens die with the process. */
export function ephemeralSecrets(): Secrets {
  return secretsFrom(randomBytes(32));
}

export function newSecretValue(): string {
  return randomBytes(32).toString("base64url");
}
