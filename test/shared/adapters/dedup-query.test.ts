import { describe, expect, it } from "vitest";
import { readDedupPage } from "../../../shared/adapters/dedup-query.js";
import { indexSignature, textSignature } from "../../../shared/routing/dedup/index.js";

describe("the repeat query's reader of DynamoDB's JSON (no SDK deserialiser)", () => {
  const stored = textSignature("人民路小区门口污水井冒水", "人民路小区门口的污水井一直在冒水，已经三天了。");
  const copy = indexSignature(stored)!;
  const b64 = Buffer.from(copy).toString("base64");

  it("reads id and time from the sort key, the number, the Binary signature and the point", () => {
    const entries = readDedupPage({
      Items: [
        {
          GSI8SK: { S: "baoshu#g01#drainage#2026-02-01T00:00:00.000Z#t1" },
          ddNo: { S: "20260201-000001" },
          ddSig: { B: b64 },
          ddLat: { N: "30.25" },
          ddLng: { N: "120.125" },
        },
        // an entry written before the category part; a META item keyed before, with the base64 text
        { GSI8SK: { S: "baoshu#g01#2026-02-02T00:00:00.000Z#t2" }, ddNo: { S: "n2" }, ddSig: { S: stored } },
      ],
    });
    expect(entries).toEqual([
      {
        ticketId: "t1",
        ticketNo: "20260201-000001",
        createdAt: "2026-02-01T00:00:00.000Z",
        signature: copy,
        lat: 30.25,
        lng: 120.125,
      },
      { ticketId: "t2", ticketNo: "n2", createdAt: "2026-02-02T00:00:00.000Z", signature: copy },
    ]);
    expect(Array.from(entries[0]!.signature)).toEqual(Array.from(copy));
  });

  it("leaves out what does not read as a candidate", () => {
    expect(
      readDedupPage({
        Items: [
          { GSI8SK: { S: "no-hashes" }, ddSig: { B: b64 } },
          { GSI8SK: { S: "baoshu#g01#drainage#T#t3" } },
          { ddSig: { B: b64 } },
          { GSI8SK: { S: "baoshu#g01#drainage#T#t4" }, ddSig: { S: "not a signature" } },
        ],
      }),
    ).toEqual([]);
    expect(readDedupPage({})).toEqual([]);
  });
});
