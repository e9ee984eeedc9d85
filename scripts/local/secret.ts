import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { newSecretValue } from "../../shared/security/secrets.js";

/**
 * The local deployment secret (INTAKE_SECRET): generated once into `<dataDir>/secret` with mode 600 and read
 * from there after, so the phone index and lease tokens survive restarts. INTAKE_SECRET in the environment wins.
 */
export function localSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.INTAKE_SECRET) return env.INTAKE_SECRET;
  const file = resolve(dataDir, "secret");
  if (!existsSync(file)) writeFileSync(file, `${newSecretValue()}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return readFileSync(file, "utf8").trim();
}
