import type { AttributeValue, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { DedupEntry } from "../ports.js";
import { indexSignature, parseSlotKey } from "../routing/dedup/index.js";

/**
 * The repeat check's one query (GSI8), read without the SDK's deserialiser: at ~160 candidates a check, its
 * schema walk over every AttributeValue was most of our CPU per check (docs/routing.md). The query is still
 * the SDK's (signed, retried, timed out as every other); only a successful response's body is taken before the
 * deserialiser sees it and parsed here: one JSON.parse and a read of the few attributes a check needs. The
 * deserialiser then gets only the page's LastEvaluatedKey. An error response goes to the SDK untouched.
 */

/** One page as DynamoDB's JSON protocol sends it (only what the check reads). */
interface QueryPage {
  Items?: Record<string, WireValue>[];
  LastEvaluatedKey?: Record<string, AttributeValue>;
}

/** An AttributeValue on the wire: B is base64 text there. */
interface WireValue {
  S?: string;
  N?: string;
  B?: string;
}

/**
 * The candidates of one page, read from its parsed JSON: ticket id and creation time from the sort key
 * (`<community>#<grid>#<createdAt>#<id>`), `ddNo`, `ddSig` (Binary, base64 on the wire; a META item keyed
 * before the entry items carries the ticket's base64 signature text), `ddLat`/`ddLng`. Items that do not read
 * as a candidate (no sort key of that form, no signature) are left out.
 */
export function readDedupPage(page: QueryPage): DedupEntry[] {
  const out: DedupEntry[] = [];
  for (const item of page.Items ?? []) {
    const sk = item.GSI8SK?.S;
    const slot = sk ? parseSlotKey(sk) : null;
    if (!slot) continue;
    const sig = item.ddSig;
    const signature =
      sig?.B !== undefined ? base64Bytes(sig.B) : sig?.S !== undefined ? indexSignature(sig.S) : null;
    if (!signature) continue;
    const lat = item.ddLat?.N;
    const lng = item.ddLng?.N;
    out.push({
      ticketId: slot.ticketId,
      ticketNo: item.ddNo?.S ?? "",
      createdAt: slot.createdAt,
      signature,
      ...(lat !== undefined && lng !== undefined ? { lat: Number(lat), lng: Number(lng) } : {}),
    });
  }
  return out;
}

function base64Bytes(text: string): Uint8Array {
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

interface RawResponse {
  statusCode?: number;
  body?: unknown;
}

async function bodyText(body: unknown): Promise<string> {
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  if (typeof body === "string") return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Makes `command` hand its successful response's candidates to the returned reader instead of the SDK's
 * deserialiser (which then parses only `{"LastEvaluatedKey":…}`). `entries()` is read after `send` resolves.
 */
export function readCandidatesRaw(command: QueryCommand): { entries: () => DedupEntry[] } {
  let entries: DedupEntry[] = [];
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as RawResponse;
      if (response.statusCode === 200 && response.body) {
        const page = JSON.parse(await bodyText(response.body)) as QueryPage;
        entries = readDedupPage(page);
        response.body = Buffer.from(
          JSON.stringify(page.LastEvaluatedKey ? { LastEvaluatedKey: page.LastEvaluatedKey } : {}),
        );
      }
      return result;
    },
    // in the deserialize step after (inside) the SDK's deserialiser: it sees the raw response first
    { step: "deserialize", priority: "low", name: "dedupCandidatesReader" },
  );
  return { entries: () => entries };
}
