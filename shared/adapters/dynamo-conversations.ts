import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ConversationRecord, ConversationStore } from "../ports.js";
import { writeIf } from "./conditional.js";
import { keys, PK, TTL_ATTRIBUTE } from "./table.js";

/** Channel conversations (会话) on the single table, written with a version condition (table.ts `CONV#`). */
export class DynamoConversationStore implements ConversationStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(channelUserId: string): Promise<ConversationRecord | null> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.conversation(channelUserId),
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    // DynamoDB deletes expired items lazily: an expired conversation counts as gone (its version stays).
    if (!item) return null;
    const expired = Number(item[TTL_ATTRIBUTE] ?? 0) * 1000 <= this.now();
    return {
      state: expired ? null : item.state,
      handled: expired ? [] : ((item.handled as ConversationRecord["handled"]) ?? []),
      version: Number(item.version),
    };
  }

  async put(channelUserId: string, record: ConversationRecord, ttlDays: number): Promise<boolean> {
    const expected = record.version - 1;
    return writeIf(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.conversation(channelUserId),
            entity: "conversation",
            state: record.state,
            handled: record.handled,
            version: record.version,
            [TTL_ATTRIBUTE]: Math.floor(this.now() / 1000) + ttlDays * 86400,
          },
          ...(expected === 0
            ? { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": PK } }
            : {
                ConditionExpression: "#v = :expected",
                ExpressionAttributeNames: { "#v": "version" },
                ExpressionAttributeValues: { ":expected": expected },
              }),
        }),
      ),
    );
  }
}
