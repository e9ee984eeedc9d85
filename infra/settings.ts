import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { Node } from "constructs";
import { ConfigError, parseCityConfig, withGridsFile } from "../shared/config/load.js";
import type { CityConfig } from "../shared/config/schema.js";
import { DEFAULT_CONFIG_PATH, REPO_ROOT, WEB_APP_DIR } from "./paths.js";

/** Everything the stacks are built from: the city configuration plus deployment choices from CDK context. */
export interface DeploySettings {
  /** Prefix of queue, table and stack names (context `prefix`, default "intake"). */
  prefix: string;
  /** Absolute path of the configuration file (context `config`, default shared/config/city.json). */
  configPath: string;
  /** The file's text; bundled into the functions when it is not the default file. */
  configText: string;
  config: CityConfig;
  /** Account/region from context `account` / `region`, else CDK_DEFAULT_*; unset means env-agnostic. */
  account?: string;
  region?: string;
  /** Account whose principals may assume the department roles (context `departmentPrincipal`). */
  departmentPrincipal?: string;
  /** Subscribed to the alarm topic when set (context `alarmEmail`). */
  alarmEmail?: string;
  /** CloudWatch Logs retention of function and API logs (context `logRetentionDays`, default 90). */
  logRetentionDays: number;
  /** Bundle the AWS SDK into each function (context `bundleSdk`, default true; false: the runtime's SDK). */
  bundleSdk: boolean;
  /** Origins allowed by the API and the photo bucket's CORS (context `corsOrigins`, comma-separated). */
  corsOrigins: string[];
  /** Alarm when a department's oldest waiting message is older than this (context `queueAgeAlarmMinutes`). */
  queueAgeAlarmMinutes: number;
  /** Photos move to infrequent access after 30 days and expire after this many days. */
  photoExpiryDays: number;
  /** Static files for the web bucket (context `webAssets`, default web/: the form, status and grid pages). */
  webAssetsDir: string;
  /**
   * Optional custom domain for the web distribution, with either an ACM certificate in us-east-1
   * (`webCertificateArn`) or, in the China regions where CloudFront cannot use ACM, an IAM server certificate
   * (`webIamCertificateId`).
   */
  webDomainName?: string;
  /** The HTTP API's URL the pages call (context `webApiUrl`), written to env.json; without it the same origin. */
  webApiUrl?: string;
  webCertificateArn?: string;
  webIamCertificateId?: string;
}

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export class SettingsError extends Error {
  constructor(key: string, reason: string) {
    super(`invalid CDK context "${key}": ${reason}`);
    this.name = "SettingsError";
  }
}

/** Reads a configuration file and validates it; errors name the file and the field path of the bad value. */
export function loadConfigFile(path: string): { config: CityConfig; text: string } {
  const source = relative(REPO_ROOT, path) || path;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      source,
      "",
      `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, "", `not valid JSON (${(err as Error).message})`);
  }
  const resolved = withGridsFile(raw, source, (file) => readFileSync(resolve(dirname(path), file), "utf8"));
  const config = parseCityConfig(resolved, source);
  checkModelPath(config, source);
  // The functions get the configuration with its grid polygons inline (infra/config-inject.ts).
  return { config, text: resolved === raw ? text : JSON.stringify(resolved) };
}

/**
 * A trained model (`classifier.modelPath`) is shipped inside each function bundle at the same relative path, so it
 * must be a file under the repository root, named relative to it (as `npm start`, run from the root, reads it).
 */
function checkModelPath(config: CityConfig, source: string): void {
  const modelPath = config.classifier.modelPath;
  if (modelPath === undefined) return;
  const field = "classifier.modelPath";
  const rel = relative(REPO_ROOT, resolve(REPO_ROOT, modelPath));
  if (isAbsolute(modelPath) || rel.startsWith("..") || isAbsolute(rel))
    throw new ConfigError(source, field, "must be a path relative to the repository root, inside it");
  try {
    if (!statSync(resolve(REPO_ROOT, modelPath)).isFile()) throw new Error("not a file");
  } catch {
    throw new ConfigError(source, field, `model file not found: ${modelPath}`);
  }
}

function str(node: Node, key: string): string | undefined {
  const v: unknown = node.tryGetContext(key);
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" && typeof v !== "number") throw new SettingsError(key, "must be a string");
  return String(v);
}

function int(node: Node, key: string, fallback: number, min: number, max: number): number {
  const v = str(node, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new SettingsError(key, `must be an integer from ${min} to ${max}, got ${v}`);
  return n;
}

/** Reads deployment settings from CDK context (`-c key=value` or cdk.json) and loads the configuration. */
export function readSettings(node: Node, env: NodeJS.ProcessEnv = process.env): DeploySettings {
  const prefix = str(node, "prefix") ?? "intake";
  if (!/^[a-z][a-z0-9-]{0,29}$/.test(prefix))
    throw new SettingsError(
      "prefix",
      "must be 1–30 lower-case letters, digits or '-', starting with a letter",
    );

  const configArg = str(node, "config");
  const configPath = configArg
    ? isAbsolute(configArg)
      ? configArg
      : resolve(configArg)
    : DEFAULT_CONFIG_PATH;
  const { config, text } = loadConfigFile(configPath);

  const account = str(node, "account") ?? env.CDK_DEFAULT_ACCOUNT;
  const region = str(node, "region") ?? env.CDK_DEFAULT_REGION;
  if (account !== undefined && !/^\d{12}$/.test(account))
    throw new SettingsError("account", "must be a 12-digit AWS account id");
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new SettingsError("region", `not a region name: ${region}`);

  const departmentPrincipal = str(node, "departmentPrincipal");
  if (departmentPrincipal !== undefined && !/^\d{12}$/.test(departmentPrincipal))
    throw new SettingsError("departmentPrincipal", "must be a 12-digit AWS account id");

  const alarmEmail = str(node, "alarmEmail");
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail))
    throw new SettingsError("alarmEmail", "must be an e-mail address");

  const logRetentionDays = int(node, "logRetentionDays", 90, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays))
    throw new SettingsError("logRetentionDays", `must be one of ${LOG_RETENTION_DAYS.join(", ")}`);

  // A comma-separated string (`-c corsOrigins=a,b`) or a list in cdk.json.
  const corsRaw: unknown = node.tryGetContext("corsOrigins");
  const corsOrigins = (
    Array.isArray(corsRaw) && corsRaw.every((o) => typeof o === "string")
      ? corsRaw
      : (str(node, "corsOrigins") ?? "*").split(",")
  )
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of corsOrigins)
    if (o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o))
      throw new SettingsError("corsOrigins", `"${o}" is not an origin like https://example.gov.cn`);

  const webDomainName = str(node, "webDomainName");
  const webCertificateArn = str(node, "webCertificateArn");
  const webIamCertificateId = str(node, "webIamCertificateId");
  const certificates = [webCertificateArn, webIamCertificateId].filter((c) => c !== undefined).length;
  if (webDomainName !== undefined && certificates !== 1)
    throw new SettingsError("webDomainName", "needs exactly one of webCertificateArn or webIamCertificateId");
  if (webDomainName === undefined && certificates > 0)
    throw new SettingsError("webDomainName", "a web certificate is given but no webDomainName");

  const bundleSdkRaw = node.tryGetContext("bundleSdk");
  if (bundleSdkRaw !== undefined && ![true, false, "true", "false"].includes(bundleSdkRaw))
    throw new SettingsError("bundleSdk", "must be true or false");
  const webAssets = str(node, "webAssets");
  const webApiUrl = str(node, "webApiUrl");
  if (webApiUrl !== undefined && !/^https:\/\/[^\s]+$/.test(webApiUrl))
    throw new SettingsError("webApiUrl", "must be the API's https:// URL");
  return {
    prefix,
    configPath,
    configText: text,
    config,
    ...(account !== undefined ? { account } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(departmentPrincipal !== undefined ? { departmentPrincipal } : {}),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    logRetentionDays,
    bundleSdk: !(bundleSdkRaw === false || bundleSdkRaw === "false"),
    corsOrigins: corsOrigins.length ? corsOrigins : ["*"],
    queueAgeAlarmMinutes: int(node, "queueAgeAlarmMinutes", 1440, 5, 20160),
    photoExpiryDays: int(node, "photoExpiryDays", 1095, 31, 3650),
    webAssetsDir: webAssets ? resolve(webAssets) : WEB_APP_DIR,
    ...(webApiUrl !== undefined ? { webApiUrl } : {}),
    ...(webDomainName !== undefined ? { webDomainName } : {}),
    ...(webCertificateArn !== undefined ? { webCertificateArn } : {}),
    ...(webIamCertificateId !== undefined ? { webIamCertificateId } : {}),
  };
}

/** True when the functions' bundled shared/config/city.json is not the file the stacks were built from. */
export function usesCustomConfig(s: DeploySettings): boolean {
  return resolve(s.configPath) !== resolve(DEFAULT_CONFIG_PATH);
}

/** Short stable hash of the configuration text (names the generated inject file). */
export function configHash(s: DeploySettings): string {
  return createHash("sha256").update(s.configText).digest("hex").slice(0, 16);
}
