import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ssm from "aws-cdk-lib/aws-ssm";
import type { Construct } from "constructs";
import { type IndexDefinition, PK, SK, TABLE_INDEXES, TTL_ATTRIBUTE } from "../../shared/adapters/table.js";
import { logBucket, PRIVATE_BUCKET } from "../constructs/private-bucket.js";
import { WorkQueue } from "../constructs/work-queue.js";
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

export interface DataStackProps extends StackProps {
  readonly settings: DeploySettings;
}

/** What a department's role may do on its own queue, and nothing else. */
export const DEPARTMENT_QUEUE_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueAttributes",
];

/**
 * The stateful stack: the ticket table, the queues (one per department plus triage, notification and
 * callback, each with its DLQ), the photo bucket and the department roles. Termination protection is on and
 * every data resource is retained if the stack is ever deleted: nothing here may take ticket data with it.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly queues = new Map<string, WorkQueue>();
  readonly departmentRoles = new Map<string, iam.Role>();
  readonly photoBucket: s3.Bucket;
  readonly wechatSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { settings } = props;
    const { config, prefix } = settings;

    this.table = new dynamodb.TableV2(this, "Tickets", {
      tableName: tableName(prefix),
      partitionKey: { name: PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SK, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      globalSecondaryIndexes: TABLE_INDEXES.map((i: IndexDefinition) => ({
        indexName: i.name,
        partitionKey: { name: i.pk, type: dynamodb.AttributeType.STRING },
        sortKey: { name: i.sk, type: dynamodb.AttributeType.STRING },
        ...(!i.include
          ? { projectionType: dynamodb.ProjectionType.ALL }
          : i.include.length
            ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...i.include] }
            : { projectionType: dynamodb.ProjectionType.KEYS_ONLY }),
      })),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
      // The dispatch outbox: the app stack's outbox function consumes the ticket table's stream.
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    // The stream's ARN changes whenever the stream is re-created, so the app stack reads it from here at deploy.
    new ssm.StringParameter(this, "TableStreamArn", {
      parameterName: tableStreamParameter(prefix),
      description: `${prefix}: ARN of the ticket table's stream (the dispatch outbox)`,
      stringValue: this.table.tableStreamArn!,
    });

    for (const target of queueTargets(config)) {
      this.queues.set(
        target,
        new WorkQueue(this, `${pascal(target)}Queues`, {
          prefix,
          target,
          visibilityTimeout: Duration.seconds(config.queues.visibilityTimeoutSeconds),
          retention: Duration.days(config.queues.retentionDays),
          maxReceiveCount: config.queues.maxReceiveCount,
        }),
      );
    }

    // A department reads its own queue with these roles (or through the inbox API); never another's.
    const principal = new iam.AccountPrincipal(settings.departmentPrincipal ?? this.account);
    for (const dept of config.departments) {
      const queue = this.queues.get(dept.id)!.queue;
      const role = new iam.Role(this, `${pascal(dept.id)}DepartmentRole`, {
        assumedBy: principal,
        description: `${dept.id}: receive and delete messages on its own queue ${queueName(prefix, dept.id)} only`,
        maxSessionDuration: Duration.hours(1),
      });
      role.addToPolicy(
        new iam.PolicyStatement({ actions: DEPARTMENT_QUEUE_ACTIONS, resources: [queue.queueArn] }),
      );
      this.departmentRoles.set(dept.id, role);
    }

    const accessLogs = logBucket(this, "AccessLogs", { acl: false, expireDays: 365 });
    this.photoBucket = new s3.Bucket(this, "Photos", {
      ...PRIVATE_BUCKET,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "photos/",
      cors: [
        {
          // Browsers upload evidence photos straight to S3 with presigned PUT URLs.
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: settings.corsOrigins,
          allowedHeaders: ["*"],
          exposedHeaders: ["ETag"],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        {
          id: "age-out-photos",
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
          ],
          expiration: Duration.days(settings.photoExpiryDays),
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: "abort-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    // The app stack resolves the name at deploy time (no cross-stack export pins this stack).
    new ssm.StringParameter(this, "PhotoBucketNameParameter", {
      parameterName: photoBucketParameter(settings.prefix),
      stringValue: this.photoBucket.bucketName,
      description: "Photo bucket of the residents' presigned uploads (read by the app stack)",
    });
    // The WeChat Official Account's settings: CDK creates the secret's place with a placeholder, never the
    // value; an operator puts {"token","encodingAesKey","appId","appSecret","templateId"?} (docs/wechat.md).
    this.wechatSecret = new secretsmanager.Secret(this, "WechatOaSecret", {
      secretName: wechatSecretName(prefix),
      description: `${prefix}: WeChat Official Account token, EncodingAESKey, AppID and AppSecret (JSON)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ placeholder: "replace with the Official Account's settings" }),
        generateStringKey: "unused",
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.wechatSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The token, EncodingAESKey and AppSecret are issued and reset in the WeChat admin console (mp.weixin.qq.com); " +
        "Secrets Manager cannot rotate them, an operator updates the secret when they are reset there.",
    });

    // The deployment secret (leases, the keyed phone index): generated by Secrets Manager at deploy, never in
    // the template or in a function's environment; every function reads it once at initialisation.
    const intakeSecret = new secretsmanager.Secret(this, "IntakeSecret", {
      secretName: intakeSecretName(prefix),
      description: `${prefix}: deployment secret (lease tokens, keyed phone index)`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(intakeSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The phone index is keyed with this secret: rotating it would orphan every stored ticket's phone index " +
        "entry (a caller's earlier tickets would no longer be found), so it is not rotated automatically.",
    });

    new CfnOutput(this, "TableName", { value: this.table.tableName, description: "DynamoDB ticket table" });
    new CfnOutput(this, "PhotoBucketName", {
      value: this.photoBucket.bucketName,
      description: "Private bucket for evidence photos (presigned uploads)",
    });
    new CfnOutput(this, "WechatOaSecretName", {
      value: wechatSecretName(prefix),
      description: "Put the WeChat Official Account's settings here (JSON, see docs/wechat.md)",
    });
    for (const [target, q] of this.queues) {
      new CfnOutput(this, `Queue${pascal(target)}Url`, {
        value: q.queue.queueUrl,
        description: `Queue ${queueName(prefix, target)} (dead letters: ${dlqName(prefix, target)})`,
      });
    }
    for (const dept of departmentTargets(config)) {
      new CfnOutput(this, `DepartmentRole${pascal(dept)}Arn`, {
        value: this.departmentRoles.get(dept)!.roleArn,
        description: `Role ${dept} assumes to read its own queue`,
      });
    }
  }
}
