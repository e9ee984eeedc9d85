import { type AwsSettings, createAwsCore, createClients, createSqsQueue } from "../../shared/adapters/aws.js";
import { createEmfMetrics } from "../../shared/adapters/emf-metrics.js";
import { wechatSettingsFromEnv } from "../../shared/channels/wechat/settings.js";
import { loadModelFile } from "../../shared/classify/files.js";
import { calendarWarning } from "../../shared/closure/calendar.js";
import type { CityConfig } from "../../shared/config/schema.js";
import { createLogger, type Logger } from "../../shared/log.js";
import type { Metrics } from "../../shared/metrics.js";
import type { UploadStore } from "../../shared/ports.js";
import { type AreaLocator, createAreaLocator } from "../../shared/routing/area.js";
import { createAuthenticator } from "../../shared/services/auth.js";
import { createCategorySuggester } from "../../shared/services/classifier-setup.js";
import type { CategorySuggester } from "../../shared/services/context.js";
import type { Runtime } from "./http.js";
import { lambdaLogger } from "./lambda-log.js";

/** `build()` on the first call of `use`, then that value (a part only some functions' requests reach). */
function onFirstUse<T>(build: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: build() };
    return value.v;
  };
}

/** The area index built on its first use (a function that never files a ticket never builds it). */
function areasOnFirstUse(config: CityConfig): AreaLocator {
  const areas = onFirstUse(() => createAreaLocator(config));
  return {
    cellAt: (lat, lng) => areas().cellAt(lat, lng),
    basicCellAt: (lat, lng) => areas().basicCellAt(lat, lng),
    matchAddress: (address, given) => areas().matchAddress(address, given),
    locate: (location) => areas().locate(location),
  };
}

/** The category suggester built on its first use, as the area index. */
function suggesterOnFirstUse(build: () => CategorySuggester): CategorySuggester {
  const suggester = onFirstUse(build);
  return { suggest: (text) => suggester().suggest(text) };
}

/** Reads the deployment's settings once, at initialisation. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): AwsSettings {
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`missing environment variable ${name}`);
    return v;
  };
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    tableName: need("TABLE_NAME"),
    queueUrlBase: need("QUEUE_URL_BASE"),
    queuePrefix: need("QUEUE_PREFIX"),
    dynamoEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    sqsEndpoint: env.SQS_ENDPOINT || undefined,
    smsOutboxFile: env.SMS_OUTBOX_FILE || undefined,
    publicBaseUrl: env.PUBLIC_BASE_URL || undefined,
    secret: env.INTAKE_SECRET || undefined,
    secretId: env.INTAKE_SECRET_ID || undefined,
    uploadBucket: env.UPLOAD_BUCKET || undefined,
    wechat: wechatSettingsFromEnv(env),
    wechatSecretId: env.WECHAT_OA_SECRET_ARN || undefined,
    // Set by the stacks for a function whose role may use no queue (infra/function-access.ts sqsClientEnv).
    ...(env.SQS_CLIENT === "on-demand" ? { sqsClient: "on-demand" as const } : {}),
    ...(env.INTAKE_INDEXES === "on-demand" ? { intakeIndexes: "on-demand" as const } : {}),
  };
}

/**
 * The city configuration of a function. A deployed bundle (esbuild `define` INTAKE_CONFIG_INJECTED) reads the
 * one synth validated and put into it (infra/config-inject.ts: read, not validated again) and nothing else:
 * its bundle holds no configuration schema at all. Elsewhere (tests, the CLI, the local runtime)
 * CITY_CONFIG_JSON when the environment sets one, else the repository's shared/config/city.json, validated.
 */
export async function configFromEnvironment(env: NodeJS.ProcessEnv): Promise<CityConfig> {
  if (process.env.INTAKE_CONFIG_INJECTED === "true") {
    // No validator in the bundle: even as a chunk loaded on demand, zod classic and the configuration's schemas
    // made esbuild put ~65 KB more of zod into the start-up chunks they share (docs/deploy.md). A city does not
    // fit in Lambda's 4 KB of environment anyway; another configuration is deployed by synth (-c config=).
    if (env.CITY_CONFIG_JSON)
      throw new Error(
        "CITY_CONFIG_JSON is not read by a deployed function: its configuration is the one synth validated (synth with -c config=<file>)",
      );
    const injected = (globalThis as Record<symbol, unknown>)[Symbol.for("intake.cityConfig")];
    if (!injected) throw new Error("the bundle's configuration is missing (infra/config-inject.ts)");
    return injected as CityConfig;
  } else {
    // The schemas (shared/config/schema.ts) are loaded only to validate.
    if (env.CITY_CONFIG_JSON)
      return (await import("../../shared/config/load.js")).parseCityConfig(
        JSON.parse(env.CITY_CONFIG_JSON),
        "CITY_CONFIG_JSON",
      );
    return (await import("./bundled-config.js")).bundledConfig(env);
  }
}

export async function createRuntime(
  settingsIn: AwsSettings,
  config: CityConfig,
  extra: {
    quiet?: boolean;
    /** A logger of the caller's (a test that keeps the log to show when it fails; the Lambdas' Powertools
     * log, lambda-log.ts); wins over quiet. */
    log?: Logger;
    preloadModel?: boolean;
    dispatch?: "stream" | "inline";
    metrics?: Metrics;
    uploads?: UploadStore;
  } = {},
) {
  const log = extra.log ?? (extra.quiet ? undefined : createLogger({ service: "intake" }));
  // In AWS the deployment secret comes from Secrets Manager (INTAKE_SECRET_ID); INTAKE_SECRET, when set, wins.
  if (!settingsIn.secret && settingsIn.secretId) {
    settingsIn = {
      ...settingsIn,
      // Loaded here, not at import: the Secrets Manager client is needed once per container.
      secret: await (await import("../../shared/adapters/intake-secret.js")).readIntakeSecret(
        settingsIn.secretId,
        { region: settingsIn.region },
      ),
    };
  }
  const settings =
    settingsIn.wechatSecretId && settingsIn.wechat
      ? {
          ...settingsIn,
          wechat: await (await import("../../shared/adapters/wechat-secret.js")).withWechatSecret(
            settingsIn.wechat,
            settingsIn.wechatSecretId,
            { region: settingsIn.region },
          ),
        }
      : settingsIn;
  // The model is read when first needed (only intake classifies); `preloadModel` reads it now, so that a
  // configured model that cannot be read stops a long-running start-up (DataError names the file).
  const path = config.classifier.modelPath;
  const model = path ? (extra.preloadModel ? loadModelFile(path) : () => loadModelFile(path)) : null;
  // The SQS client is built here like the DynamoDB one, unless the function's role may use no queue: then the
  // first queue call (there should be none) loads it.
  const clients = createClients(settings);
  const sqs = settings.sqsClient === "on-demand" ? null : await createSqsQueue(settings);
  // Deliveries go through the table's stream (functions/outbox.ts; locally scripts/local/stream-poller.ts).
  // Only filing a ticket (shared/services/intake.ts) locates its area and suggests a category: a function that
  // never files one builds neither unless it is asked to (infra/function-access.ts, `intake`).
  const onDemand = settings.intakeIndexes === "on-demand";
  const core = createAwsCore(settings, config, {
    clients: sqs ? { ...clients, sqs: sqs.sqs } : clients,
    ...(sqs ? { queue: sqs.queue } : {}),
    ...(onDemand ? { areas: areasOnFirstUse(config) } : {}),
    log,
    classifier: onDemand
      ? suggesterOnFirstUse(() => createCategorySuggester(config, model))
      : createCategorySuggester(config, model),
    dispatch: extra.dispatch ?? "stream",
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
    ...(extra.uploads ? { uploads: extra.uploads } : {}),
  });
  const runtime: Runtime = { core, authenticate: createAuthenticator(core.keys) };
  // Start-up: working-day deadlines need the official calendar of the coming days.
  const gap = calendarWarning(core.deadlines.calendar, core.clock.now(), config.city.timezoneOffsetMinutes);
  if (gap) core.log.log("warn", "calendar coverage", { message: gap });
  return runtime;
}

let lambdaRuntime: Promise<Runtime> | undefined;

/** The Lambda's runtime: built on the first invocation of a container, reused after. */
export function fromEnvironment(): Promise<Runtime> {
  lambdaRuntime ??= Promise.resolve()
    .then(() =>
      configFromEnvironment(process.env).then((config) =>
        createRuntime(settingsFromEnv(process.env), config, {
          log: lambdaLogger(),
          // CloudWatch EMF on stdout: tickets per channel, routed vs triaged, delivery retries, dead letters.
          metrics: createEmfMetrics({
            namespace: process.env.METRICS_NAMESPACE ?? "CitizenIntake",
            service: "intake",
          }),
        }),
      ),
    )
    .catch((err: unknown) => {
      lambdaRuntime = undefined; // the next invocation tries again instead of failing forever
      throw err;
    });
  return lambdaRuntime;
}

/**
 * How the bundle bench (bench/bundles.ts) builds a function's runtime in a fresh process, as the first
 * invocation does, without an event: cold start = import + this.
 */
(globalThis as Record<symbol, unknown>)[Symbol.for("intake.fromEnvironment")] = fromEnvironment;
