import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * The deployment secret (lease tokens, the keyed phone index) from Secrets Manager, where the data stack
 * generates it: read once at initialisation, never put in a function's environment or a log line.
 */
export async function readIntakeSecret(
  secretId: string,
  opts: { region: string; client?: SecretsManagerClient },
): Promise<string> {
  const client = opts.client ?? new SecretsManagerClient({ region: opts.region });
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const value = out.SecretString ?? "";
  if (value.length < 16)
    throw new Error(`deployment secret ${secretId} is missing or shorter than 16 characters`);
  return value;
}
