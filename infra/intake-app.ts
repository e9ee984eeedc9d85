import { type App, type Environment, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { configInjectFile } from "./config-inject.js";
import { type DeploySettings, readSettings } from "./settings.js";
import { AppStack } from "./stacks/app-stack.js";
import { DataStack } from "./stacks/data-stack.js";
import { WebStack } from "./stacks/web-stack.js";

export interface IntakeApp {
  readonly settings: DeploySettings;
  readonly data: DataStack;
  readonly web: WebStack;
  readonly service: AppStack;
}

/**
 * Builds the whole system into `app` from the city configuration and CDK context (see infra/settings.ts):
 *   <prefix>-data  stateful: table, queues + DLQs, photo bucket, department roles (termination protection)
 *   <prefix>-web   static web form: private bucket behind CloudFront (OAC)
 *   <prefix>-app   stateless: functions, HTTP API, schedules, alarms
 * cdk-nag's AwsSolutions pack validates every stack at synth; findings fail synth unless acknowledged.
 */
export function buildIntakeApp(app: App): IntakeApp {
  const settings = readSettings(app.node);
  const { prefix } = settings;
  const env: Environment | undefined =
    settings.account || settings.region
      ? {
          ...(settings.account ? { account: settings.account } : {}),
          ...(settings.region ? { region: settings.region } : {}),
        }
      : undefined;
  const common = env ? { env } : {};

  const data = new DataStack(app, `${prefix}-data`, {
    ...common,
    settings,
    description: `${prefix}: ticket table, queues, photo bucket, department roles (stateful)`,
  });
  const web = new WebStack(app, `${prefix}-web`, {
    ...common,
    settings,
    description: `${prefix}: web form hosting (S3 + CloudFront)`,
  });
  const inject = configInjectFile(settings);
  const service = new AppStack(app, `${prefix}-app`, {
    ...common,
    settings,
    inject: [inject],
    description: `${prefix}: functions, HTTP API, schedules, alarms (stateless)`,
  });
  // The functions find the table and queues by name; deploy the data stack first.
  service.addStackDependency(data, "functions address the table and queues by their fixed names");

  Tags.of(app).add("app", "citizen-request-intake");
  Tags.of(app).add("intake:prefix", prefix);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { settings, data, web, service };
}
