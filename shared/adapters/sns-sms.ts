import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { SmsNotifier } from "../ports.js";

/** Amazon SNS direct SMS publish (transactional). Mainland numbers get their +86. */
export class SnsSmsNotifier implements SmsNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly senderId?: string,
  ) {}

  async send(phone: string, text: string): Promise<void> {
    const e164 = phone.startsWith("+") ? phone : /^1\d{10}$/.test(phone) ? `+86${phone}` : `+${phone}`;
    await this.sns.send(
      new PublishCommand({
        PhoneNumber: e164,
        Message: text,
        MessageAttributes: {
          "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" },
          ...(this.senderId
            ? { "AWS.SNS.SMS.SenderID": { DataType: "String", StringValue: this.senderId } }
            : {}),
        },
      }),
    );
  }
}
