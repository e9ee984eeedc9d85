import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type Queue, type QueueTarget, type ReceivedMessage, TRIAGE } from "../ports.js";
import { type AwsSettings, CALL_LIMITS, LOCAL_CREDENTIALS } from "./aws-settings.js";

type Message = Parameters<Queue["send"]>[1];

/** Physical queue names: `<prefix>-<target>` and its dead-letter queue `<prefix>-<target>-dlq`. */
export function queueName(prefix: string, target: QueueTarget): string {
  return `${prefix}-${target}`;
}

export function dlqName(prefix: string, target: QueueTarget): string {
  return `${prefix}-${target}-dlq`;
}

/** The process's SQS client (created once, by the runtime or on a function's first queue call). */
export function createSqsClient(s: AwsSettings): SQSClient {
  const limits = { ...CALL_LIMITS, ...s.limits };
  return new SQSClient({
    region: s.region,
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: limits.connectionTimeout,
      requestTimeout: limits.sqsRequestTimeout,
      throwOnRequestTimeout: true,
    },
    ...(s.sqsEndpoint ? { endpoint: s.sqsEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
}

/** Queue port on SQS. `urlBase` is "https://sqs.<region>.amazonaws.com/<account>/" (or the local server's). */
export class SqsQueue implements Queue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urlBase: string,
    private readonly prefix: string,
  ) {}

  url(target: QueueTarget): string {
    return `${this.urlBase}${queueName(this.prefix, target)}`;
  }

  async send(target: QueueTarget, message: Message): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.url(target), MessageBody: JSON.stringify(message) }),
    );
  }

  async receive(
    target: QueueTarget,
    options: { max: number; waitSeconds: number; visibilitySeconds?: number },
  ): Promise<ReceivedMessage[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url(target),
        MaxNumberOfMessages: options.max,
        WaitTimeSeconds: options.waitSeconds,
        ...(options.visibilitySeconds !== undefined ? { VisibilityTimeout: options.visibilitySeconds } : {}),
      }),
      // A long poll may take its wait time; the limit is the wait plus the usual answer time.
      { requestTimeout: options.waitSeconds * 1000 + 5000 },
    );
    return (out.Messages ?? []).map((m) => {
      let message: unknown = null;
      try {
        message = JSON.parse(m.Body ?? "null");
      } catch {
        message = null;
      }
      return { message, lease: m.ReceiptHandle ?? "" };
    });
  }

  /** Health probe: the triage queue answers its attributes. */
  async ping(): Promise<void> {
    await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.url(TRIAGE), AttributeNames: ["QueueArn"] }),
    );
  }

  async delete(target: QueueTarget, lease: string): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.url(target), ReceiptHandle: lease }));
  }
}
