import { dirname, join } from "node:path";
import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { BUNDLE, EXTRA_ESBUILD_ARGS, externalModules, RUNTIME_NODE_OPTIONS } from "../bundling.js";
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

/** Quotes a string for a POSIX shell command (local bundling runs its hooks with bash). */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * The house construct for every function: bundling (esbuild, ESM, minified, source maps, SDK v3 external,
 * no Docker), Node.js 22 on ARM64, its own log group with retention and JSON log format, a role that may only
 * write its own logs (callers add the table and queue permissions it needs), and alarms on errors and
 * throttles.
 */
export class IntakeFunction extends Construct {
  readonly fn: NodejsFunction;
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

    this.fn = new NodejsFunction(this, "Function", {
      entry: join(REPO_ROOT, props.entry),
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: nodeOptionsEnv(props.environment),
      bundling: {
        forceDockerBundling: false,
        target: BUNDLE.target,
        format: OutputFormat.ESM,
        minify: BUNDLE.minify,
        sourceMap: BUNDLE.sourcemap,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: BUNDLE.sourcesContent,
        mainFields: [...BUNDLE.mainFields],
        externalModules: externalModules(props.bundleSdk),
        banner: BUNDLE.banner,
        esbuildArgs: EXTRA_ESBUILD_ARGS,
        ...(props.inject?.length ? { inject: props.inject } : {}),
        ...(props.extraFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  props.extraFiles!.map((f) => {
                    const target = join(outputDir, f);
                    return `mkdir -p ${shellQuote(dirname(target))} && cp ${shellQuote(join(inputDir, f))} ${shellQuote(target)}`;
                  }),
              },
            }
          : {}),
      },
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
