import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { readIntakeSecret } from "../../../shared/adapters/intake-secret.js";

// No local Secrets Manager stand-in: the adapter's answers and error paths are unit-tested with the SDK mocked.
const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe("the deployment secret from Secrets Manager", () => {
  it("reads the generated value of the named secret", async () => {
    sm.on(GetSecretValueCommand, { SecretId: "intake-intake-secret" }).resolves({
      SecretString: "k".repeat(48),
    });
    expect(await readIntakeSecret("intake-intake-secret", { region: "cn-north-1" })).toBe("k".repeat(48));
  });

  it("refuses a missing or too short secret instead of running with a weak key", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: "short" });
    await expect(readIntakeSecret("s", { region: "cn-north-1" })).rejects.toThrow(/shorter than 16/);
    sm.on(GetSecretValueCommand).resolves({});
    await expect(readIntakeSecret("s", { region: "cn-north-1" })).rejects.toThrow(/missing/);
  });

  it("a Secrets Manager failure stops initialisation (the runtime retries on the next invocation)", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("denied"), { name: "AccessDeniedException" }),
    );
    await expect(readIntakeSecret("s", { region: "cn-north-1" })).rejects.toThrow("denied");
  });
});
