// The bundles' `@aws-sdk/credential-provider-node`: Lambda hands a function its role's credentials in the
// environment (or, on container-style hosts, at a local HTTP endpoint), so the SDK's full default chain — SSO,
// profiles, web identity, IMDS and the STS/SSO clients they bring — is never used there and stays out
// (infra/bundling.ts). Scripts and tests run unbundled and keep the SDK's own chain.
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { fromHttp } from "@aws-sdk/credential-provider-http";

export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;

/** The environment's credentials, else the container endpoint's; kept until five minutes before they expire. */
export const defaultProvider = (init = {}) => {
  const fromEnvironment = fromEnv(init);
  // fromHttp refuses at once when no endpoint is configured: asked only when the environment has nothing.
  const fromEndpoint = () => fromHttp(init)();
  let current;
  let pending;
  const resolve = async () => {
    try {
      return await fromEnvironment();
    } catch {
      return await fromEndpoint();
    }
  };
  return async (options = {}) => {
    if (current && !options.forceRefresh && !credentialsTreatedAsExpired(current)) return current;
    pending ??= resolve().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
};
