import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { buildSync } from "esbuild";
import { esbuildBuildOptions, RUNTIME_NODE_OPTIONS } from "../bundling.js";
import { REPO_ROOT } from "../paths.js";

export interface IntakeFunctionProps {
  /** The function's name in functions/routes.ts, e.g. "tickets-create". */
  readonly name: string;
  /** Entry file relative to the repository root, e.g. "functions/tickets-create.ts". */
  readonly entry: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly logRetentionDays: number;
  /** Alarms on errors and throttles notify this topic. */
  readonly alarmTopic: sns.ITopic;
  /** Extra esbuild `--inject` files (the configuration when it is not the bundled default). */
  readonly inject?: string[];
  /**
   * Files (relative to the repository root) copied into the bundle at the same relative path, e.g. the trained
   * classifier model named by `classifier.modelPath`: Lambda runs in the bundle's directory, so the relative
   * path the function reads resolves there.
   */
  readonly extraFiles?: string[];
  /** Bundle the AWS SDK instead of using the runtime's copy (see infra/bundling.ts externalModules). */
  readonly bundleSdk?: boolean;
}

/**
 * The function's code: its entry bundled by the local esbuild at synth (infra/bundling.ts: `index.mjs` and its
 * chunks, source maps beside them), plus `extraFiles` at their relative paths. Never Docker: the image below
 * is only the fallback CDK's type asks for, and local bundling always succeeds or throws.
 */
export function functionCode(
  props: Pick<IntakeFunctionProps, "entry" | "inject" | "extraFiles" | "bundleSdk">,
) {
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("public.ecr.aws/sam/build-nodejs22.x"),
      // CDK reuses a bundle whose options look the same (the function below is not part of that key): what is
      // bundled is named here, so each function gets its own.
      command: [
        "esbuild",
        props.entry,
        ...(props.inject ?? []).map((f) => `--inject:${f}`),
        ...(props.bundleSdk === false ? ["--external:@aws-sdk/*"] : []),
        ...(props.extraFiles ?? []).map((f) => `--copy:${f}`),
      ],
      local: {
        tryBundle(outputDir: string) {
          buildSync(
            esbuildBuildOptions(join(REPO_ROOT, props.entry), outputDir, props.inject ?? [], {
              bundleSdk: props.bundleSdk ?? true,
            }),
          );
          for (const f of props.extraFiles ?? []) {
            mkdirSync(dirname(join(outputDir, f)), { recursive: true });
            copyFileSync(join(REPO_ROOT, f), join(outputDir, f));
          }
          return true;
        },
      },
    },
  });
}

/**
 * The house construct for every function: bundling (esbuild, ESM with code splitting, minified, source maps,
 * no Docker), Node.js 22 on ARM64, its own log group with retention and JSON log format, a role that may only
 * write its own logs (callers add the table and queue permissions it needs), and alarms on errors and
 * throttles.
 */
export class IntakeFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IntakeFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // No AWSLambdaBasicExecutionRole: that managed policy may create and write any log group.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal(iam.ServicePrincipal.servicePrincipalName("lambda")),
      description: `${props.name}: writes its own logs; table and queue access added per function`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.fn = new lambda.Function(this, "Function", {
      code: functionCode(props),
      handler: "index.handler",
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: nodeOptionsEnv(props.environment),
    });
    // The log group must exist before the function can write to it.
    this.fn.node.addDependency(this.logGroup);
    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 is pinned on purpose: it is the runtime the project develops and tests for (DESIGN.md §6) " +
        "and the esbuild target; moving to a newer runtime is a deliberate, tested change.",
    });

    const action = new cwActions.SnsAction(props.alarmTopic);
    const stackName = Stack.of(this).stackName;
    this.errorsAlarm = this.fn
      .metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, "Errors", {
        alarmDescription: `${stackName} ${props.name}: invocations failed (unhandled errors or timeouts)`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.throttlesAlarm = this.fn
      .metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, "Throttles", {
        alarmDescription: `${stackName} ${props.name}: invocations throttled (account concurrency exhausted)`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    for (const alarm of [this.errorsAlarm, this.throttlesAlarm]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}

/** The function's environment, plus NODE_OPTIONS when the house bundling sets any. */
function nodeOptionsEnv(environment: Record<string, string>): Record<string, string> {
  const options: string = RUNTIME_NODE_OPTIONS;
  return options ? { ...environment, NODE_OPTIONS: options } : environment;
}
