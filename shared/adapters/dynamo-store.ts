import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  QueryCommand as LowLevelQueryCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { CallbackRecord } from "../closure/schema.js";
import type { SupervisionPolicy } from "../closure/supervision.js";
import { ConflictError, ValidationError } from "../domain/errors.js";
import type { Channel, HistoryEvent, Ticket, TicketStatus } from "../domain/ticket.js";
import type {
  ApiKeyRecord,
  CreateOutcome,
  DedupEntry,
  DedupQuery,
  IdempotencyRecord,
  KeyStore,
  LabelledTicket,
  Page,
  PatrolReportRecord,
  SaveCondition,
  TicketStore,
  ZeroReport,
} from "../ports.js";
import { type StatsRow, statsDeltas } from "../routing/stats.js";
import { ephemeralSecrets, type Secrets } from "../security/secrets.js";
import { conditionFailed, writeIf } from "./conditional.js";
import { readCandidatesRaw } from "./dedup-query.js";
import {
  callbackItem,
  createdMonth,
  DEDUP_ATTRIBUTES,
  dedupEntryWrites,
  eventItem,
  IDEMPOTENCY_TTL_DAYS,
  keys,
  PK,
  SK,
  statsUpdates,
  TABLE_INDEXES,
  TTL_ATTRIBUTE,
  ticketFromItems,
  ticketItem,
  ticketSideItems,
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
  if (entries.some(([, v]) => typeof v !== "string" || v.length === 0 || v.length > 1024)) throw bad();
  // Only a ticket's own key can be a position in a ticket listing: `{"PK":"","SK":""…}` and the like are refused.
  const key = value as Record<string, string>;
  const id = keys.ticketIdOf(key[PK]);
  if (!id || key[SK] !== "META" || !key[index.skName]!.endsWith(`#${id}`)) throw bad();
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
    private readonly secrets: Secrets = ephemeralSecrets(),
    /**
     * Read each transaction back before acknowledging it. For DynamoDB Local: it can answer TransactWriteItems
     * before the write is on disk (bench/durability.ts: 1 of 304 acknowledged transactions gone after SIGKILL;
     * 0 of 291 once read back). Real DynamoDB acknowledges only what it has stored durably: off there.
     */
    private readonly confirmWrites = false,
    /** The supervision timing that decides GSI2's sort key (shared/closure/supervision.ts). */
    private readonly supervision?: SupervisionPolicy,
    /** The city's UTC offset: statistics counters are kept per city-local month (shared/routing/stats.ts). */
    private readonly statsOffsetMinutes = 480,
  ) {}

  /** 退单率 and the rest: counter updates for the events of this write, in the write's own transaction. */
  private statsItems(ticket: Ticket, events: readonly HistoryEvent[]) {
    return statsUpdates(ticket.id, statsDeltas(ticket, events, this.statsOffsetMinutes)).map((u) => ({
      Update: {
        TableName: this.tableName,
        Key: u.Key,
        UpdateExpression: u.UpdateExpression,
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
      },
    }));
  }

  /** A merged ticket leaves a link in its parent's partition, so the parent's closure finds every reporter. */
  private childLink(ticket: Ticket) {
    if (ticket.status !== "merged" || !ticket.parentId) return [];
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.child(ticket.parentId, ticket.id), entity: "child", childId: ticket.id },
        },
      },
    ];
  }
  /** With confirmWrites: resolves once a consistent read sees the ticket at `version`; throws 503-mapped otherwise. */
  private async confirm(id: string, version: number): Promise<void> {
    if (!this.confirmWrites) return;
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.ticket(id), ConsistentRead: true }),
    );
    if (Number(out.Item?.version) >= version) return;
    const err = new Error("the store did not keep an acknowledged write");
    err.name = "StoreUnavailable";
    throw err;
  }

  private item(ticket: Ticket) {
    return ticketItem(ticket, this.secrets.key("phone-index"), this.supervision);
  }

  async create(
    ticket: Ticket,
    idempotency: IdempotencyRecord | null,
    conditions: SaveCondition[] = [],
  ): Promise<CreateOutcome> {
    const items = [
      {
        Put: {
          TableName: this.tableName,
          Item: this.item(ticket),
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        },
      },
      ...(ticket.history.length
        ? [{ Put: { TableName: this.tableName, Item: eventItem(ticket.id, ticket.history) } }]
        : []),
      ...this.childLink(ticket),
      ...ticketSideItems(ticket).map((Item) => ({ Put: { TableName: this.tableName, Item } })),
    ] as Record<string, unknown>[];
    items.push(...this.statsItems(ticket, ticket.history));
    const firstCondition = items.length;
    items.push(...conditions.map((c) => this.conditionItem(c)));
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
        // The token makes the SDK's own retry of a committed transaction a no-op instead of a second write.
        await this.doc.send(
          new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }),
        );
        await this.confirm(ticket.id, ticket.version);
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
        if (
          codes.slice(firstCondition, firstCondition + conditions.length).includes("ConditionalCheckFailed")
        ) {
          throw new ConflictError("合并的主工单已不再办理中 / the ticket to merge into is no longer open");
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

  /** Every item of one partition, page after page (a ticket and its events, a month's counters, a day's patrols). */
  private async *partition(pk: string, consistent = false): AsyncGenerator<Record<string, unknown>> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": PK },
          ExpressionAttributeValues: { ":pk": pk },
          ...(consistent ? { ConsistentRead: true } : {}),
          ExclusiveStartKey: start,
        }),
      );
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async get(id: string): Promise<Ticket | null> {
    let meta: Record<string, unknown> | undefined;
    const events: Record<string, unknown>[] = [];
    for await (const item of this.partition(keys.ticketPartition(id), true)) {
      if (item[SK] === "META") meta = item;
      else if (item.entity === "event") events.push(item);
    }
    return meta ? ticketFromItems(meta, events) : null;
  }

  async getIdempotency(key: string): Promise<IdempotencyRecord | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotency(key), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    return { key, ticketId: String(out.Item.ticketId), requestHash: String(out.Item.requestHash) };
  }

  async save(
    ticket: Ticket,
    events: HistoryEvent[],
    expectedVersion: number,
    extra: { callbacks?: CallbackRecord[]; conditions?: SaveCondition[] } = {},
  ): Promise<void> {
    const conditions = extra.conditions ?? [];
    const callbacks = (extra.callbacks ?? []).map((cb) => {
      const names: Record<string, string> = cb.version === 1 ? { "#pk": PK } : { "#cv": "cbVersion" };
      const values: Record<string, unknown> | undefined =
        cb.version === 1 ? undefined : { ":cv": cb.version - 1 };
      return {
        Put: {
          TableName: this.tableName,
          Item: callbackItem(cb),
          ConditionExpression: cb.version === 1 ? "attribute_not_exists(#pk)" : "#cv = :cv",
          ExpressionAttributeNames: names,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        },
      };
    });
    try {
      await this.doc.send(
        new TransactWriteCommand({
          // One token per save: an SDK retry of a committed save (a lost response) changes nothing twice.
          ClientRequestToken: randomUUID(),
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: this.item(ticket),
                // A merge into this ticket since it was read changed mergedChildren (not the version).
                ConditionExpression:
                  ticket.mergedChildren === undefined
                    ? "#v = :expected AND attribute_not_exists(#t.#mc)"
                    : "#v = :expected AND #t.#mc = :mc",
                ExpressionAttributeNames: { "#v": "version", "#t": "ticket", "#mc": "mergedChildren" },
                ExpressionAttributeValues: {
                  ":expected": expectedVersion,
                  ...(ticket.mergedChildren === undefined ? {} : { ":mc": ticket.mergedChildren }),
                },
              },
            },
            ...(events.length
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: eventItem(ticket.id, events),
                      ConditionExpression: "attribute_not_exists(#pk)",
                      ExpressionAttributeNames: { "#pk": PK },
                    },
                  },
                ]
              : []),
            ...this.childLink(ticket),
            ...callbacks,
            ...this.dedupEntryOps(ticket, events),
            ...this.statsItems(ticket, events),
            ...conditions.map((c) => this.conditionItem(c)),
          ],
        }),
      );
      await this.confirm(ticket.id, ticket.version);
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

  /**
   * Another ticket checked inside the transaction: it exists and is not in `statusNotIn`; with `countChild` its
   * `mergedChildren` goes up by one, so a concurrent save of it (a closure, a reject) fails its condition.
   */
  private conditionItem(c: SaveCondition): Record<string, unknown> {
    const check = {
      TableName: this.tableName,
      Key: keys.ticket(c.ticketId),
      ConditionExpression: `attribute_exists(#pk) AND NOT (#t.#s IN (${c.statusNotIn.map((_, i) => `:s${i}`).join(", ")}))`,
      ExpressionAttributeNames: { "#pk": PK, "#t": "ticket", "#s": "status" } as Record<string, string>,
      ExpressionAttributeValues: Object.fromEntries(c.statusNotIn.map((s, i) => [`:s${i}`, s])) as Record<
        string,
        unknown
      >,
    };
    if (!c.countChild) return { ConditionCheck: check };
    check.ExpressionAttributeNames["#mc"] = "mergedChildren";
    check.ExpressionAttributeValues[":zero"] = 0;
    check.ExpressionAttributeValues[":one"] = 1;
    return {
      Update: { ...check, UpdateExpression: "SET #t.#mc = if_not_exists(#t.#mc, :zero) + :one" },
    };
  }

  /** A ticket's repeat index entries follow it into and out of the open states. */
  private dedupEntryOps(ticket: Ticket, events: HistoryEvent[]): Record<string, unknown>[] {
    const { put, remove } = dedupEntryWrites(ticket, events);
    return [
      ...put.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
      ...remove.map((Key) => ({ Delete: { TableName: this.tableName, Key } })),
    ];
  }

  /** The conditional update that clears a ticket's mark while it is at `version` (alone or in a transaction). */
  private clearingUpdate(id: string, version: number) {
    return {
      TableName: this.tableName,
      Key: keys.ticket(id),
      UpdateExpression: "SET #t.#dp = :false REMOVE GSI1PK, GSI1SK",
      ConditionExpression: "#v = :v",
      ExpressionAttributeNames: { "#t": "ticket", "#dp": "dispatchPending", "#v": "version" },
      ExpressionAttributeValues: { ":false": false, ":v": version },
    };
  }

  async clearDispatchPending(id: string, version: number): Promise<boolean> {
    return writeIf(() => this.doc.send(new UpdateCommand(this.clearingUpdate(id, version))));
  }

  /**
   * Clears many marks in transactions of up to 25 (one request instead of one each). A transaction is all or
   * nothing, so the marks whose ticket moved on (their condition failed) are left out and the rest written
   * again; anything else (a conflict with a concurrent write) falls back to one conditional update each.
   */
  async clearDispatchPendingMany(marks: readonly { id: string; version: number }[]): Promise<number> {
    const latest = new Map<string, number>();
    for (const m of marks) latest.set(m.id, Math.max(latest.get(m.id) ?? 0, m.version));
    const all = [...latest].map(([id, version]) => ({ id, version }));
    let cleared = 0;
    for (let i = 0; i < all.length; i += 25) {
      let rest = all.slice(i, i + 25);
      // Each failed round drops at least one mark whose ticket moved on; a round that drops none (a conflict
      // with a concurrent write, throttling) leaves the rest to one update each, as does a single mark.
      while (rest.length > 1) {
        try {
          await this.doc.send(
            new TransactWriteCommand({
              TransactItems: rest.map((m) => ({ Update: this.clearingUpdate(m.id, m.version) })),
            }),
          );
          cleared += rest.length;
          rest = [];
        } catch (err) {
          const codes = cancellationCodes(err);
          if (!codes) throw err;
          const kept = rest.filter((_, k) => codes[k] !== "ConditionalCheckFailed");
          if (kept.length === rest.length) break;
          rest = kept;
        }
      }
      for (const m of rest) if (await this.clearDispatchPending(m.id, m.version)) cleared++;
    }
    return cleared;
  }

  async dispatchState(id: string): Promise<{ version: number; pending: boolean } | null> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.ticket(id),
        ConsistentRead: true,
        ProjectionExpression: "#v, #t.#dp",
        ExpressionAttributeNames: { "#t": "ticket", "#dp": "dispatchPending", "#v": "version" },
      }),
    );
    if (!out.Item) return null;
    const ticket = out.Item.ticket as { dispatchPending?: boolean } | undefined;
    return { version: Number(out.Item.version), pending: ticket?.dispatchPending === true };
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

  listPending(limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.queryIndex("GSI1", keys.pendingPartition, limit, cursor);
  }

  listByStatus(status: TicketStatus, limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.queryIndex("GSI2", keys.statusPartition(status), limit, cursor);
  }

  listByGrid(grid: string, status: TicketStatus, limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.queryIndex("GSI3", keys.gridHandlerPartition(grid, status), limit, cursor);
  }

  async readStats(month: string): Promise<StatsRow[]> {
    const rows = new Map<string, StatsRow>();
    for await (const item of this.partition(keys.statsPartition(month))) {
      const scope = item.scope === "grid" ? "grid" : "department";
      const id = String(item.sid);
      const row = rows.get(`${scope}|${id}`) ?? { scope, id, counts: {} };
      for (const [k, v] of Object.entries(item)) {
        if (typeof v !== "number" || k === PK || k === SK) continue;
        row.counts[k] = (row.counts[k] ?? 0) + v;
      }
      rows.set(`${scope}|${id}`, row);
    }
    return [...rows.values()];
  }

  listByReporterPhone(phone: string, limit: number, cursor?: string): Promise<Page<Ticket>> {
    return this.queryIndex(
      "GSI4",
      keys.phonePartition(phone, this.secrets.key("phone-index")),
      limit,
      cursor,
      false,
    );
  }

  /**
   * One query on the sparse GSI8: a key range of one repeat partition, holding only the fields a check reads
   * (INCLUDE projection: number, the signature's 128-byte index copy, point; id and creation time from the sort
   * key), on small entry items of their own (table.ts dedupEntryItems). Sent as the low-level command; the
   * response's items are read from its JSON by hand (dedup-query.ts), not by the SDK's deserialiser.
   */
  async dedupCandidates(query: DedupQuery): Promise<DedupEntry[]> {
    const out: DedupEntry[] = [];
    const ranged = query.from !== undefined && query.to !== undefined;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const command = new LowLevelQueryCommand({
        TableName: this.tableName,
        IndexName: "GSI8",
        KeyConditionExpression: ranged ? "#pk = :pk AND #sk BETWEEN :from AND :to" : "#pk = :pk",
        ExpressionAttributeNames: { "#pk": "GSI8PK", "#sk": "GSI8SK" },
        ExpressionAttributeValues: {
          ":pk": { S: keys.dedupPartition(query.pk) },
          ...(ranged ? { ":from": { S: query.from! }, ":to": { S: query.to! } } : {}),
        },
        // Not the table's or the index's partition keys (always projected): fewer attributes to parse each.
        ProjectionExpression: `#sk, ${DEDUP_ATTRIBUTES.join(", ")}`,
        ExclusiveStartKey: start,
      });
      const reader = readCandidatesRaw(command);
      const page = await this.doc.send(command);
      out.push(...reader.entries());
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

  async listSupervisionDue(
    status: TicketStatus,
    at: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Ticket>> {
    const pkValue = keys.statusPartition(status);
    // "#" sorts before every id character and after every ISO digit: `<at>#~` bounds every key of moment <= at.
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "GSI2",
        KeyConditionExpression: "#pk = :pk AND #sk <= :at",
        ExpressionAttributeNames: { "#pk": "GSI2PK", "#sk": "GSI2SK" },
        ExpressionAttributeValues: { ":pk": pkValue, ":at": `${at}#~` },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { pkName: "GSI2PK", pkValue, skName: "GSI2SK" }),
      }),
    );
    return {
      items: (out.Items ?? []).map((item) => ticketFromItems(item)),
      cursor: encodeCursor(out.LastEvaluatedKey, "GSI2PK"),
    };
  }

  async listChildren(parentId: string): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :child)",
          ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
          ExpressionAttributeValues: { ":pk": keys.ticketPartition(parentId), ":child": "CHILD#" },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) ids.push(String(item.childId));
      start = out.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  async getCallback(id: string): Promise<CallbackRecord | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.callback(id), ConsistentRead: true }),
    );
    return out.Item ? (out.Item.callback as CallbackRecord) : null;
  }

  async listPendingCallbacks(
    channel: Channel,
    limit: number,
    opts: { cursor?: string; expiringBy?: string } = {},
  ): Promise<Page<CallbackRecord>> {
    const pkValue = keys.callbackPartition(channel);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "GSI1",
        KeyConditionExpression: opts.expiringBy ? "#pk = :pk AND #sk <= :by" : "#pk = :pk",
        ExpressionAttributeNames: { "#pk": "GSI1PK", ...(opts.expiringBy ? { "#sk": "GSI1SK" } : {}) },
        ExpressionAttributeValues: {
          ":pk": pkValue,
          ...(opts.expiringBy ? { ":by": `${opts.expiringBy}#~` } : {}),
        },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(opts.cursor, { pkName: "GSI1PK", pkValue, skName: "GSI1SK" }),
      }),
    );
    return {
      items: (out.Items ?? []).map((item) => item.callback as CallbackRecord),
      cursor: encodeCursor(out.LastEvaluatedKey, "GSI1PK"),
    };
  }

  async findOpenCallback(channel: Channel, channelUserId: string): Promise<CallbackRecord | null> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "GSI4",
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": "GSI4PK" },
        ExpressionAttributeValues: { ":pk": keys.callbackUserPartition(channel, channelUserId) },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    return item ? (item.callback as CallbackRecord) : null;
  }

  async listByChannelUser(
    channel: Ticket["channel"],
    channelUserId: string,
    limit: number,
  ): Promise<Ticket[]> {
    return (
      await this.queryIndex(
        "GSI6",
        keys.channelUserPartition(channel, channelUserId),
        limit,
        undefined,
        false,
      )
    ).items;
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
    return writeIf(() =>
      this.doc.send(
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
      ),
    );
  }

  async isDone(key: string): Promise<boolean> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.done(key), ConsistentRead: true }),
    );
    const expires = Number(out.Item?.[TTL_ATTRIBUTE] ?? 0);
    // DynamoDB deletes expired items lazily (within days): an expired record counts as gone.
    return !!out.Item && expires * 1000 > Date.now();
  }

  /** Health probe: a consistent read of one key (found or not, the table answered). */
  async ping(): Promise<void> {
    await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.counter("health"), ConsistentRead: true }),
    );
  }

  async findIdByTicketNo(ticketNo: string): Promise<string | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.ticketNo(ticketNo), ConsistentRead: true }),
    );
    return typeof out.Item?.ticketId === "string" ? out.Item.ticketId : null;
  }

  async countRequest(scope: string, client: string, window: number, ttlSeconds: number): Promise<number> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.rate(scope, client, window),
        UpdateExpression: "ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl), entity = :entity",
        ExpressionAttributeNames: { "#n": "n", "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":one": 1,
          ":ttl": Math.floor(Date.now() / 1000) + ttlSeconds,
          ":entity": "rate",
        },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(out.Attributes?.n);
  }

  async putZeroReport(record: ZeroReport): Promise<{ record: ZeroReport; created: boolean }> {
    const key = keys.zeroReport(record.day, record.grid, record.actor);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, entity: "zero-report", record },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        }),
      );
      return { record, created: true };
    } catch (err) {
      if (!conditionFailed(err)) throw err;
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return { record: out.Item?.record as ZeroReport, created: false };
    }
  }

  async listCreatedBetween(from: string, to: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    const month = new Date(`${from.slice(0, 7)}-01T00:00:00Z`);
    const last = to.slice(0, 7);
    while (ids.length < limit && month.toISOString().slice(0, 7) <= last) {
      const partition = keys.createdPartition(createdMonth(month.toISOString()));
      let start: Record<string, unknown> | undefined;
      do {
        // GSI9 (keys only): the ticket id is the table's partition key of each entry.
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: "GSI9",
            KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
            ExpressionAttributeNames: { "#pk": "GSI9PK", "#sk": "GSI9SK" },
            ExpressionAttributeValues: { ":pk": partition, ":from": from, ":to": `${to}~` },
            Limit: limit - ids.length,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          const id = keys.ticketIdOf(item[PK] as string | undefined);
          if (id) ids.push(id);
        }
        start = ids.length < limit ? out.LastEvaluatedKey : undefined;
      } while (start);
      month.setUTCMonth(month.getUTCMonth() + 1);
    }
    return ids;
  }

  async listFiledBy(actor: string, limit: number): Promise<string[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": PK },
        ExpressionAttributeValues: { ":pk": keys.filerPartition(actor) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => String(i.ticketId));
  }

  async patrolDay(day: string): Promise<{ zero: ZeroReport[]; reports: PatrolReportRecord[] }> {
    const zero: ZeroReport[] = [];
    const reports: PatrolReportRecord[] = [];
    for await (const item of this.partition(keys.patrolDay(day))) {
      if (item.entity === "zero-report") zero.push(item.record as ZeroReport);
      else if (item.entity === "patrol-report") {
        reports.push({
          day,
          grid: String(item.grid),
          ticketId: String(item.ticketId),
          ticketNo: String(item.ticketNo),
          actor: String(item.actor),
          at: String(item.at),
        });
      }
    }
    return { zero, reports };
  }

  async putKey(record: ApiKeyRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        // GSI2 lists the keys (`keys list`) without a scan.
        Item: {
          ...keys.apiKey(record.hash),
          entity: "apikey",
          ...record,
          GSI2PK: keys.apiKeysPartition,
          GSI2SK: `${record.createdAt}#${record.hash}`,
        },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": PK },
      }),
    );
  }

  async getKey(hash: string): Promise<ApiKeyRecord | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(hash) }));
    if (!out.Item) return null;
    return keyRecord(out.Item);
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "GSI2",
          KeyConditionExpression: "GSI2PK = :pk",
          ExpressionAttributeValues: { ":pk": keys.apiKeysPartition },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) records.push(keyRecord(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async revokeKey(hash: string, at: string): Promise<boolean> {
    return writeIf(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.apiKey(hash),
          UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
          ConditionExpression: "attribute_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
          ExpressionAttributeValues: { ":at": at },
        }),
      ),
    );
  }
}

function keyRecord(item: Record<string, unknown>): ApiKeyRecord {
  const { hash, role, department, channel, grid, label, createdAt, revokedAt } =
    item as unknown as ApiKeyRecord;
  return {
    hash,
    role,
    label,
    createdAt,
    ...(revokedAt ? { revokedAt } : {}),
    ...(department ? { department } : {}),
    ...(channel ? { channel } : {}),
    ...(grid ? { grid } : {}),
  };
}
