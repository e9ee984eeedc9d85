import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ConflictError, ValidationError } from "../domain/errors.js";
import type { HistoryEvent, Ticket, TicketStatus } from "../domain/ticket.js";
import type {
  ApiKeyRecord,
  CreateOutcome,
  DedupEntry,
  IdempotencyRecord,
  KeyStore,
  LabelledTicket,
  Page,
  TicketStore,
} from "../ports.js";
import {
  eventItem,
  IDEMPOTENCY_TTL_DAYS,
  keys,
  PK,
  SK,
  TABLE_INDEXES,
  TTL_ATTRIBUTE,
  ticketFromItems,
  ticketItem,
} from "./table.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Page cursors carry the last key without the index's partition key (the query supplies that again), so a
 * cursor neither shows the hashed phone nor can be replayed against another caller's listing.
 */
function encodeCursor(key: Record<string, unknown> | undefined, pkName: string): string | undefined {
  if (!key) return undefined;
  const { [pkName]: _partition, ...rest } = key;
  return Buffer.from(JSON.stringify(rest)).toString("base64url");
}

function decodeCursor(
  cursor: string | undefined,
  index: { pkName: string; pkValue: string; skName: string },
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  const bad = () => new ValidationError("cursor 无效 / invalid cursor", "cursor");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw bad();
  const expected = [PK, SK, index.skName].sort().join(",");
  const entries = Object.entries(value as Record<string, unknown>);
  if (
    entries
      .map(([k]) => k)
      .sort()
      .join(",") !== expected
  )
    throw bad();
  if (entries.some(([, v]) => typeof v !== "string" || v.length > 1024)) throw bad();
  return { ...(value as Record<string, unknown>), [index.pkName]: index.pkValue };
}

/** A transaction cancelled because DynamoDB throttled one of its items: surfaces as throttling (HTTP 429). */
function throttled(codes: (string | undefined)[], cause: unknown): Error | null {
  if (!codes.includes("ThrottlingError")) return null;
  const err = new Error("DynamoDB throttled the transaction", { cause });
  err.name = "ThrottlingException";
  return err;
}

function cancellationCodes(err: unknown): (string | undefined)[] | null {
  if (
    err instanceof TransactionCanceledException ||
    (err as { name?: string })?.name === "TransactionCanceledException"
  ) {
    return ((err as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code);
  }
  return null;
}

/** TicketStore and KeyStore on one DynamoDB table (see table.ts for the layout). */
export class DynamoTicketStore implements TicketStore, KeyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async create(ticket: Ticket, idempotency: IdempotencyRecord | null): Promise<CreateOutcome> {
    const items = [
      {
        Put: {
          TableName: this.tableName,
          Item: ticketItem(ticket),
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        },
      },
      ...ticket.history.map((e) => ({ Put: { TableName: this.tableName, Item: eventItem(ticket.id, e) } })),
    ];
    if (idempotency) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.idempotency(idempotency.key),
            entity: "idempotency",
            ticketId: idempotency.ticketId,
            requestHash: idempotency.requestHash,
            [TTL_ATTRIBUTE]: Math.floor(Date.parse(ticket.createdAt) / 1000) + IDEMPOTENCY_TTL_DAYS * 86400,
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        },
      });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return { outcome: "created" };
      } catch (err) {
        const codes = cancellationCodes(err);
        if (!codes) throw err;
        const slowDown = throttled(codes, err);
        if (slowDown) throw slowDown;
        if (idempotency && codes[codes.length - 1] === "ConditionalCheckFailed") {
          const record = await this.getIdempotency(idempotency.key);
          if (record) return { outcome: "duplicate", record };
        }
        if (codes.includes("TransactionConflict") && attempt < 8) {
          await sleep(20 * 2 ** attempt * Math.random());
          // A concurrent create with the same key may have just committed.
          if (idempotency) {
            const record = await this.getIdempotency(idempotency.key);
            if (record) return { outcome: "duplicate", record };
          }
          continue;
        }
        throw err;
      }
    }
  }

  async get(id: string): Promise<Ticket | null> {
    let meta: Record<string, unknown> | undefined;
    const events: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": PK },
          ExpressionAttributeValues: { ":pk": keys.ticketPartition(id) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        if (item[SK] === "META") meta = item;
        else if (item.entity === "event") events.push(item);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return meta ? ticketFromItems(meta, events) : null;
  }

  async getIdempotency(key: string): Promise<IdempotencyRecord | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(key), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    return { key, ticketId: String(out.Item.ticketId), requestHash: String(out.Item.requestHash) };
  }

  async save(ticket: Ticket, events: HistoryEvent[], expectedVersion: number): Promise<void> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: ticketItem(ticket),
                ConditionExpression: "#v = :expected",
                ExpressionAttributeNames: { "#v": "version" },
                ExpressionAttributeValues: { ":expected": expectedVersion },
              },
            },
            ...events.map((e) => ({
              Put: {
                TableName: this.tableName,
                Item: eventItem(ticket.id, e),
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": PK },
              },
            })),
          ],
        }),
      );
    } catch (err) {
      const codes = cancellationCodes(err);
      const slowDown = codes && throttled(codes, err);
      if (slowDown) throw slowDown;
      if (codes && (codes.includes("ConditionalCheckFailed") || codes.includes("TransactionConflict"))) {
        throw new ConflictError("工单已被他人修改，请重试 / the ticket changed meanwhile; retry");
      }
      throw err;
    }
  }

  async clearDispatchPending(id: string, version: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.ticket(id),
          UpdateExpression: "SET #t.#dp = :false REMOVE GSI1PK, GSI1SK",
          ConditionExpression: "#v = :v",
          ExpressionAttributeNames: { "#t": "ticket", "#dp": "dispatchPending", "#v": "version" },
          ExpressionAttributeValues: { ":false": false, ":v": version },
        }),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  private async queryIndex(
    index: (typeof TABLE_INDEXES)[number]["name"],
    pkValue: string,
    limit: number,
    cursor?: string,
    forward = true,
  ): Promise<Page<Ticket>> {
    const def = TABLE_INDEXES.find((i) => i.name === index)!;
    const pkName = def.pk;
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": pkName },
      ExpressionAttributeValues: { ":pk": pkValue },
      Limit: limit,
      ScanIndexForward: forward,
      ExclusiveStartKey: decodeCursor(cursor, { pkName, pkValue, skName: def.sk }),
    };
    const out = await this.doc.send(new QueryCommand(input));
    return {
      items: (out.Items ?? []).map((item) => ticketFromItems(item)),
      cursor: encodeCursor(out.LastEvaluatedKey, pkName),
    };
  }

  async listPending(limit: number): Promise<Ticket[]> {
    return (await this.queryIndex("GSI1", keys.pendingPartition, limit)).items;
  }

  listByStatus(status: TicketStatus, limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.queryIndex("GSI2", keys.statusPartition(status), limit, cursor);
  }

  listByReporterPhone(phone: string, limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.queryIndex("GSI4", keys.phonePartition(phone), limit, cursor, false);
  }

  /** One query on the sparse GSI6: the partition's open tickets since `since`, only the fields dedup needs. */
  async dedupCandidates(partition: string, since: string): Promise<DedupEntry[]> {
    const out: DedupEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI6",
          KeyConditionExpression: "#pk = :pk AND #sk >= :since",
          ExpressionAttributeNames: {
            "#pk": "GSI6PK",
            "#sk": "GSI6SK",
            "#t": "ticket",
            "#id": "id",
            "#no": "ticketNo",
            "#c": "createdAt",
            "#ti": "title",
            "#sig": "textSignature",
            "#loc": "location",
          },
          ExpressionAttributeValues: { ":pk": keys.dedupPartition(partition), ":since": since },
          ProjectionExpression: "#t.#id, #t.#no, #t.#c, #t.#ti, #t.#sig, #t.#loc",
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page?.Items ?? []) {
        const t = item.ticket as {
          id: string;
          ticketNo: string;
          createdAt: string;
          title: string;
          textSignature?: string;
          location?: { lat?: number; lng?: number };
        };
        if (!t?.textSignature) continue;
        out.push({
          ticketId: t.id,
          ticketNo: t.ticketNo,
          createdAt: t.createdAt,
          title: t.title,
          signature: t.textSignature,
          ...(t.location?.lat !== undefined && t.location?.lng !== undefined
            ? { lat: t.location.lat, lng: t.location.lng }
            : {}),
        });
      }
      start = page?.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async listClosedForTraining(limit: number, cursor?: string): Promise<Page<LabelledTicket>> {
    const def = TABLE_INDEXES.find((i) => i.name === "GSI2")!;
    const pkValue = keys.statusPartition("closed");
    const fields = ["id", "title", "description", "categoryId", "categorySource", "returnCount", "closedAt"];
    const names: Record<string, string> = { "#pk": def.pk, "#t": "ticket" };
    fields.forEach((f, i) => {
      names[`#f${i}`] = f;
    });
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: def.name,
        KeyConditionExpression: "#pk = :pk",
        // Only the training fields are read: no reporter data. (LastEvaluatedKey carries the keys regardless.)
        ProjectionExpression: fields.map((_, i) => `#t.#f${i}`).join(", "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":pk": pkValue },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { pkName: def.pk, pkValue, skName: def.sk }),
      }),
    );
    const items: LabelledTicket[] = [];
    for (const item of out.Items ?? []) {
      const t = (item.ticket ?? {}) as Partial<LabelledTicket>;
      if (typeof t.id !== "string") continue;
      items.push({
        id: t.id,
        title: typeof t.title === "string" ? t.title : "",
        description: typeof t.description === "string" ? t.description : "",
        categoryId: typeof t.categoryId === "string" ? t.categoryId : null,
        categorySource:
          t.categorySource === "explicit" ||
          t.categorySource === "suggested" ||
          t.categorySource === "dispatcher"
            ? t.categorySource
            : null,
        returnCount: typeof t.returnCount === "number" ? t.returnCount : 0,
        closedAt: typeof t.closedAt === "string" ? t.closedAt : null,
      });
    }
    return { items, cursor: encodeCursor(out.LastEvaluatedKey, def.pk) };
  }

  async nextSequence(day: string, count = 1): Promise<number> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.counter(day),
        UpdateExpression: "ADD #n :one",
        ExpressionAttributeNames: { "#n": "n" },
        ExpressionAttributeValues: { ":one": count },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(out.Attributes?.n);
  }

  async markDone(key: string, ttlDays: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.done(key),
            entity: "done",
            [TTL_ATTRIBUTE]: Math.floor(Date.now() / 1000) + ttlDays * 86400,
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async isDone(key: string): Promise<boolean> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.done(key), ConsistentRead: true }),
    );
    const expires = Number(out.Item?.[TTL_ATTRIBUTE] ?? 0);
    // DynamoDB deletes expired items lazily (within days): an expired record counts as gone.
    return !!out.Item && expires * 1000 > Date.now();
  }

  async putKey(record: ApiKeyRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.apiKey(record.hash), entity: "apikey", ...record },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": PK },
      }),
    );
  }

  async getKey(hash: string): Promise<ApiKeyRecord | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(hash) }));
    if (!out.Item) return null;
    const { role, department, channel, grid, label, createdAt } = out.Item as ApiKeyRecord;
    return {
      hash,
      role,
      label,
      createdAt,
      ...(department ? { department } : {}),
      ...(channel ? { channel } : {}),
      ...(grid ? { grid } : {}),
    };
  }
}
