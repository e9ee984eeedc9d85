import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { dlqName, queueName } from "../naming.js";

export interface WorkQueueProps {
  readonly prefix: string;
  /** A department id, or "triage" / "notification" / "callback". */
  readonly target: string;
  readonly visibilityTimeout: Duration;
  readonly retention: Duration;
  readonly maxReceiveCount: number;
}

/** Dead-letter queues keep a message for the longest SQS allows (a message's age counts from its first send). */
const DLQ_RETENTION = Duration.days(14);

/**
 * One delivery queue `${prefix}-${target}` and its dead-letter queue `${prefix}-${target}-dlq`, both with fixed
 * names (the functions build URLs from them), SQS-managed encryption, TLS-only access and redrive after
 * `maxReceiveCount` receives. Queues are retained on stack deletion; the table stays the source of truth.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.dlq = new sqs.Queue(this, "Dlq", {
      queueName: dlqName(props.prefix, props.target),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(this, "Queue", {
      queueName: queueName(props.prefix, props.target),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retention,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
