import {
  ArnFormat,
  CfnOutput,
  CfnParameter,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as ssm from "aws-cdk-lib/aws-ssm";
import type { Construct } from "constructs";
import {
  HTTP_ROUTES,
  QUEUE_CONSUMERS,
  SCHEDULED_FUNCTIONS,
  STREAM_FUNCTIONS,
} from "../../functions/routes.js";
import { TABLE_INDEXES } from "../../shared/adapters/table.js";
import { NOTIFICATION, TRIAGE, WECHAT_BOT_OUTBOX } from "../../shared/ports.js";
import { IntakeFunction } from "../constructs/intake-function.js";
import {
  FUNCTION_ACCESS,
  type FunctionName,
  type QueueSet,
  runtimeNeedsEnv,
  TABLE_READ_ACTIONS,
  TABLE_STREAM_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from "../function-access.js";
import {
  departmentTargets,
  dlqName,
  intakeSecretName,
  pascal,
  photoBucketParameter,
  queueName,
  queueTargets,
  tableName,
  tableStreamParameter,
  wechatSecretName,
} from "../naming.js";
import type { DeploySettings } from "../settings.js";

/** Logical id of the deploy-time parameter that resolves the photo bucket's name from SSM. */
const PHOTO_BUCKET_PARAMETER = "PhotoBucketName";

/** Per-route throttling of the public routes (requests per second across all clients). */
export const PUBLIC_WRITE_THROTTLE = { rate: 5, burst: 20 } as const;
export const PUBLIC_READ_THROTTLE = { rate: 20, burst: 50 } as const;

export interface AppStackProps extends StackProps {
  readonly settings: DeploySettings;
  /** esbuild inject files for every function (the validated configuration, infra/config-inject.ts). */
  readonly inject?: string[];
}

/**
 * The stateless stack: one function per handler (the house construct), the HTTP API, the schedules and the
 * alarms. It finds the table and queues of the data stack by their fixed names, so it can be deleted and
 * redeployed freely and the data stack never carries exports that pin it.
 */
export class AppStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly functions = new Map<FunctionName, IntakeFunction>();
  readonly tableStreamArn: string;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const { prefix, config } = settings;

    const topicKey = new kms.Key(this, "AlarmTopicKey", {
      description: `${prefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets them.
    topicKey.grant(
      new iam.ServicePrincipal(iam.ServicePrincipal.servicePrincipalName("cloudwatch")),
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    );
    this.alarmTopic = new sns.Topic(this, "AlarmTopic", {
      displayName: `${prefix} intake alarms`,
      enforceSSL: true,
      masterKey: topicKey,
    });
    if (settings.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));

    // The stream's ARN (its label changes when the stream is re-created) as the data stack published it.
    this.tableStreamArn = ssm.StringParameter.valueForStringParameter(this, tableStreamParameter(prefix));
    const environment = {
      TABLE_NAME: tableName(prefix),
      QUEUE_URL_BASE: `https://sqs.${this.region}.${this.urlSuffix}/${this.account}/`,
      QUEUE_PREFIX: prefix,
      METRICS_NAMESPACE: `CitizenIntake/${prefix}`,
    };
    // The photo bucket's name, resolved from the data stack's SSM parameter at deploy time (no export).
    const photoBucket = new CfnParameter(this, PHOTO_BUCKET_PARAMETER, {
      type: "AWS::SSM::Parameter::Value<String>",
      default: photoBucketParameter(prefix),
      description: "SSM parameter with the photo bucket's name (written by the data stack)",
    }).valueAsString;
    const all = [
      ...HTTP_ROUTES.map((r) => ({ name: r.name, entry: r.entry, what: `${r.method} ${r.path}` })),
      ...SCHEDULED_FUNCTIONS.map((s) => ({ name: s.name, entry: s.entry, what: s.purpose })),
      ...STREAM_FUNCTIONS.map((s) => ({ name: s.name, entry: s.entry, what: s.purpose })),
      ...QUEUE_CONSUMERS.map((q) => ({ name: q.name, entry: q.entry, what: q.purpose })),
    ];
    // Found by its fixed name (the data stack creates it): no cross-stack export.
    const wechatSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      "WechatOaSecret",
      wechatSecretName(prefix),
    );
    const intakeSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      "IntakeSecret",
      intakeSecretName(prefix),
    );
    for (const f of all) {
      const access = FUNCTION_ACCESS[f.name];
      const fn = new IntakeFunction(this, pascal(f.name), {
        name: f.name,
        entry: f.entry,
        description: `${prefix} ${f.name}: ${f.what}`,
        environment: {
          ...environment,
          ...(access.uploads ? { UPLOAD_BUCKET: photoBucket } : {}),
          ...(access.wechatSecret ? { WECHAT_OA_SECRET_ARN: wechatSecretName(prefix) } : {}),
          INTAKE_SECRET_ID: intakeSecretName(prefix),
          ...runtimeNeedsEnv(access),
        },
        timeout: Duration.seconds(access.timeoutSeconds),
        ...(access.memorySize ? { memorySize: access.memorySize } : {}),
        logRetentionDays: settings.logRetentionDays,
        bundleSdk: settings.bundleSdk,
        alarmTopic: this.alarmTopic,
        ...(props.inject ? { inject: props.inject } : {}),
        // Every function that files tickets classifies (FUNCTION_ACCESS `intake`: the web form, the patrol
        // reports, Open311 and WeChat too, not only tickets-create); the others never read the file.
        ...(config.classifier.modelPath && access.intake
          ? { extraFiles: [config.classifier.modelPath] }
          : {}),
      });
      this.grantAccess(fn, f.name, settings);
      if (access.uploads) this.grantUploads(fn, f.name, photoBucket, access.uploads);
      if (access.wechatSecret) wechatSecret.grantRead(fn.role);
      intakeSecret.grantRead(fn.role);
      this.functions.set(f.name, fn);
    }

    // Queue consumers: an SQS event source that reports partial batch failures (only failed records return).
    for (const c of QUEUE_CONSUMERS) {
      const queue = sqs.Queue.fromQueueArn(
        this,
        `${pascal(c.name)}Source`,
        this.formatArn({
          service: "sqs",
          resource: queueName(prefix, c.queue),
          arnFormat: ArnFormat.NO_RESOURCE_NAME,
        }),
      );
      this.functions.get(c.name)!.fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: c.batchSize,
          reportBatchItemFailures: true,
          maxBatchingWindow: Duration.seconds(1),
        }),
      );
    }

    // HTTP API: every route of functions/routes.ts, each to its own function.
    this.api = new apigw.HttpApi(this, "HttpApi", {
      apiName: `${prefix}-api`,
      description: `${prefix} citizen request intake API`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: settings.corsOrigins,
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.OPTIONS],
        allowHeaders: ["content-type", "authorization", "x-api-key", "idempotency-key"],
        exposeHeaders: ["x-request-id", "location"],
        maxAge: Duration.hours(1),
      },
    });
    for (const r of HTTP_ROUTES) {
      this.api.addRoutes({
        path: r.path,
        methods: [apigw.HttpMethod[r.method]],
        integration: new HttpLambdaIntegration(
          `${pascal(r.name)}Integration`,
          this.functions.get(r.name)!.fn,
        ),
      });
    }
    Validations.of(this.api).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "Callers are authenticated by API keys (x-api-key or Bearer) that each function checks against hashed keys " +
        "in the table, with per-route roles (functions/lib/http.ts); GET /health, the web form's /v1/public/* and " +
        "Open311's reads are public on purpose (rate-limited per client in the function and throttled per route " +
        "here); Open311 posts carry the client's api_key in the form body, checked by the function; the WeChat " +
        "Official Account callback (/v1/channels/wechat-oa) is authenticated by WeChat's SHA-1 signature instead.",
    });
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigw.HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            time: "$context.requestTime",
            route: "$context.routeKey",
            status: "$context.status",
            latencyMs: "$context.responseLatency",
            integrationLatencyMs: "$context.integrationLatency",
            integrationError: "$context.integrationErrorMessage",
            sourceIp: "$context.identity.sourceIp",
            userAgent: "$context.identity.userAgent",
          }),
        ),
      },
    });

    // Public routes (no key): tighter per-route throttling than the stage default, on top of the per-client
    // fixed-window limits the functions keep in the table.
    // RouteSettings is plain JSON in CloudFormation (keyed by route key), so its keys are written as CFN spells them.
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      HTTP_ROUTES.filter((r) => "public" in r && r.public).map((r) => {
        const limit = r.method === "GET" ? PUBLIC_READ_THROTTLE : PUBLIC_WRITE_THROTTLE;
        return [
          `${r.method} ${r.path}`,
          { ThrottlingRateLimit: limit.rate, ThrottlingBurstLimit: limit.burst },
        ];
      }),
    );

    for (const s of SCHEDULED_FUNCTIONS) {
      new events.Rule(this, `${pascal(s.name)}Schedule`, {
        description: `${prefix} ${s.name}: ${s.purpose}`,
        schedule: events.Schedule.rate(Duration.minutes(s.everyMinutes)),
        targets: [
          new targets.LambdaFunction(this.functions.get(s.name)!.fn, {
            retryAttempts: 2,
            maxEventAge: Duration.minutes(5),
          }),
        ],
      });
    }

    // The dispatch outbox: the ticket table's stream, filtered to ticket items written dispatch-pending.
    for (const s of STREAM_FUNCTIONS) {
      new lambda.EventSourceMapping(this, `${pascal(s.name)}StreamSource`, {
        target: this.functions.get(s.name)!.fn,
        eventSourceArn: this.tableStreamArn,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.millis(0),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // After these the ticket keeps its dispatch-pending mark and the sweeper sends it.
        retryAttempts: 5,
        maxRecordAge: Duration.hours(1),
        parallelizationFactor: 4,
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: {
              Keys: { SK: { S: lambda.FilterRule.isEqual("META") } },
              NewImage: { ticket: { M: { dispatchPending: { BOOL: lambda.FilterRule.isEqual(true) } } } },
            },
          }),
        ],
      });
    }

    // Queue alarms: anything in a dead-letter queue, and department (or triage) work left waiting too long.
    const action = new cwActions.SnsAction(this.alarmTopic);
    for (const target of queueTargets(config)) {
      const dlq = dlqName(prefix, target);
      const dlqAlarm = new cloudwatch.Alarm(this, `${pascal(target)}DlqDepthAlarm`, {
        alarmDescription: `${dlq}: messages failed ${config.queues.maxReceiveCount} receives and were dead-lettered`,
        metric: sqsMetric("ApproximateNumberOfMessagesVisible", dlq),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      dlqAlarm.addAlarmAction(action);
      dlqAlarm.addOkAction(action);
    }
    for (const target of [...departmentTargets(config), TRIAGE]) {
      const name = queueName(prefix, target);
      const ageAlarm = new cloudwatch.Alarm(this, `${pascal(target)}OldestMessageAlarm`, {
        alarmDescription: `${name}: a ticket has waited more than ${settings.queueAgeAlarmMinutes} minutes to be picked up`,
        metric: sqsMetric("ApproximateAgeOfOldestMessage", name),
        threshold: settings.queueAgeAlarmMinutes * 60,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      ageAlarm.addAlarmAction(action);
      ageAlarm.addOkAction(action);
    }

    new CfnOutput(this, "ApiUrl", { value: this.stage.url, description: "HTTP API base URL" });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarmTopic.topicArn,
      description: "Subscribe to alarms",
    });
  }

  /** Presigning an upload needs s3:PutObject on the key prefix; checking that one arrived needs s3:GetObject. */
  private grantUploads(fn: IntakeFunction, name: FunctionName, bucket: string, mode: "put" | "head"): void {
    fn.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [mode === "put" ? "s3:PutObject" : "s3:GetObject"],
        resources: [`arn:${this.partition}:s3:::${bucket}/uploads/*`],
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${PHOTO_BUCKET_PARAMETER}>/uploads/*]`,
      reason: `${name}: residents' photos are objects under uploads/<uuid>.<ext> of the photo bucket; the key is chosen per upload.`,
    });
  }

  /** Adds exactly the table and queue permissions FUNCTION_ACCESS lists for `name`. */
  private grantAccess(fn: IntakeFunction, name: FunctionName, settings: DeploySettings): void {
    const access = FUNCTION_ACCESS[name];
    const table = this.formatArn({
      service: "dynamodb",
      resource: "table",
      resourceName: tableName(settings.prefix),
    });
    const tableAndIndexes = [table, ...TABLE_INDEXES.map((i) => `${table}/index/${i.name}`)];
    if (access.table !== "none") {
      fn.role.addToPolicy(
        new iam.PolicyStatement({ actions: TABLE_READ_ACTIONS, resources: tableAndIndexes }),
      );
    }
    if (access.table === "read-write") {
      fn.role.addToPolicy(new iam.PolicyStatement({ actions: TABLE_WRITE_ACTIONS, resources: [table] }));
    }
    if (access.stream) {
      fn.role.addToPolicy(
        new iam.PolicyStatement({ actions: TABLE_STREAM_ACTIONS, resources: [this.tableStreamArn] }),
      );
    }
    const queueArns = (sets: readonly QueueSet[] | undefined) =>
      (sets ?? [])
        .flatMap((set) => {
          const targets = set.startsWith("triage")
            ? [TRIAGE]
            : set === "notification"
              ? [NOTIFICATION]
              : set === "wechat-bot"
                ? [WECHAT_BOT_OUTBOX]
                : departmentTargets(settings.config);
          const name = set.endsWith("dlq") || set.endsWith("dlqs") ? dlqName : queueName;
          return targets.map((target) => name(settings.prefix, target));
        })
        .map((resource) =>
          this.formatArn({ service: "sqs", resource, arnFormat: ArnFormat.NO_RESOURCE_NAME }),
        );
    const grants: [string, readonly QueueSet[] | undefined][] = [
      ["sqs:SendMessage", access.send],
      ["sqs:ReceiveMessage", access.receive],
      ["sqs:DeleteMessage", access.delete],
      ["sqs:GetQueueAttributes", access.inspect],
    ];
    for (const [action, sets] of grants) {
      const resources = queueArns(sets);
      if (resources.length) fn.role.addToPolicy(new iam.PolicyStatement({ actions: [action], resources }));
    }
    if (access.sms) {
      // SMS straight to phone numbers: Publish is allowed on everything that is not a topic, so the function can
      // text a resident and can publish to no topic at all.
      fn.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ["sns:Publish"],
          notResources: [this.formatArn({ service: "sns", region: "*", account: "*", resource: "*" })],
        }),
      );
    }
  }
}

function sqsMetric(metricName: string, queue: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: "AWS/SQS",
    metricName,
    dimensionsMap: { QueueName: queue },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.minutes(5),
  });
}
