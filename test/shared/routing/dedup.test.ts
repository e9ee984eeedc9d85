import { describe, expect, it } from "vitest";
import { loadCityConfigFile } from "../../../shared/config/load.js";
import type { AreaPath } from "../../../shared/domain/ticket.js";
import {
  dedupPartition,
  dedupSlot,
  indexSignature,
  pairScore,
  parseSlotKey,
  repeatArea,
  repeatCandidates,
  repeatCells,
  repeatLeaves,
  textSignature,
} from "../../../shared/routing/dedup/index.js";
import { MemoryDedupIndex } from "../../../shared/routing/dedup/memory.js";
import { decodeSignature, SIGNATURE_SIZE, signature } from "../../../shared/routing/dedup/minhash.js";

const A = [
  "人民路小区门口污水井冒水",
  "人民路小区门口的污水井一直在冒水，已经三天了，路面到处是污水。",
] as const;
const B = [
  "人民路小区门口污水井冒水",
  "人民路小区门口的污水井一直在冒水，已经三天了，路面全是污水。",
] as const;
const C = ["保俶路路灯不亮", "保俶路的路灯坏了一个星期，晚上很黑，行人看不清路。"] as const;

/** A signature as stored before 16-bit positions: 2 × 64 minima of 32 bits. */
function legacy(title: string, description: string): string {
  const both = new Uint32Array(SIGNATURE_SIZE * 2);
  both.set(signature(title), 0);
  both.set(signature(`${title}\n${description}`), SIGNATURE_SIZE);
  return Buffer.from(both.buffer).toString("base64");
}

describe("repeat signatures (b-bit MinHash, 16 bits a position)", () => {
  it("are half the size and score a near-identical pair high and an unrelated one low", () => {
    const sig = textSignature(...A);
    expect(Buffer.from(sig, "base64").length).toBe(SIGNATURE_SIZE * 4);
    expect(pairScore(sig, textSignature(...B))).toBeGreaterThanOrEqual(0.8);
    expect(pairScore(sig, textSignature(...C))).toBeLessThan(0.3);
  });

  it("signatures stored before (32 bits a position) still compare with new ones", () => {
    const old = legacy(...A);
    expect(decodeSignature(old)?.text).toHaveLength(SIGNATURE_SIZE);
    expect(pairScore(old, textSignature(...A))).toBe(pairScore(textSignature(...A), textSignature(...A)));
    expect(pairScore(old, textSignature(...B))).toBe(pairScore(textSignature(...A), textSignature(...B)));
    expect(decodeSignature("bm90IGEgc2lnbmF0dXJl")).toBeNull();
  });

  it("the repeat index's copy is 8 bits a position (128 bytes) and still tells a repeat from an unrelated report", () => {
    const copy = indexSignature(textSignature(...A))!;
    expect(copy).toBeInstanceOf(Uint8Array);
    expect(copy).toHaveLength(SIGNATURE_SIZE * 2);
    const full = decodeSignature(textSignature(...A))!;
    expect(Array.from(copy.subarray(SIGNATURE_SIZE))).toEqual(Array.from(full.text, (v) => v & 0xff));
    expect(pairScore(textSignature(...A), textSignature(...A))).toBe(1);
    expect(pairScore(textSignature(...A), textSignature(...B))).toBeGreaterThanOrEqual(0.8);
    expect(pairScore(textSignature(...A), textSignature(...C))).toBeLessThan(0.3);
    expect(indexSignature("bm90IGEgc2lnbmF0dXJl")).toBeNull();
  });

  it("a title too short to tell matches nothing on its own", () => {
    const short = textSignature("噪音扰民", "楼下每天晚上施工，很吵。");
    const other = textSignature("噪音扰民", "广场舞音响太大，影响休息。");
    expect(pairScore(short, other)).toBeLessThan(0.5);
  });
});

describe("repeat partitions (grid cell, community, street, district, city) in the index port", () => {
  const config = loadCityConfigFile("shared/config/city.json");
  const key = (area: AreaPath) => dedupPartition(config, area, "drainage");
  const baoshu = { district: "xihu", street: "beishan", community: "baoshu" };
  const since = "2026-01-01T00:00:00.000Z";
  const index = new MemoryDedupIndex();
  const put = (id: string, area: AreaPath, createdAt = "2026-02-01T00:00:00.000Z") =>
    index.add(key(area), {
      ticketId: id,
      ticketNo: id,
      createdAt,
      signature: indexSignature(textSignature(...A))!,
    });
  put("g01", { ...baoshu, grid: "g01" });
  put("g01-old", { ...baoshu, grid: "g01" }, "2025-12-01T00:00:00.000Z");
  put("g02", { ...baoshu, grid: "g02" });
  put("community", baoshu);
  put("street", { district: "xihu", street: "beishan" });
  put("other-community", { ...baoshu, community: "shuguang", grid: "g01" });
  put("district", { district: "xihu" });
  put("city", {});
  index.add("xihu/beishan#urban-construction", {
    ticketId: "legacy",
    ticketNo: "legacy",
    createdAt: "2026-02-01T00:00:00.000Z",
    signature: indexSignature(textSignature(...A))!,
  });
  const found = async (area: AreaPath) =>
    (await repeatCandidates(index, key(area), since)).map((e) => e.ticketId).sort();

  it("a grid check reads its cell within the window; a community check its cells and itself; a street check all", async () => {
    expect(await found({ ...baoshu, grid: "g01" })).toEqual(["g01"]);
    expect(await found(baoshu)).toEqual(["community", "g01", "g02"]);
    expect(await found({ district: "xihu", street: "beishan" })).toEqual([
      "community",
      "g01",
      "g02",
      "other-community",
      "street",
    ]);
    expect(await found({ district: "xihu" })).toEqual(["district"]);
    expect(await found({})).toEqual(["city"]);
    expect(index.queries).toBe(5);
  });

  it("a community-only report kept under its cells too is found by a cell's check, and once by its community's", async () => {
    const fanned = new MemoryDedupIndex();
    const cells = repeatCells(config, baoshu);
    expect(cells).toEqual(["baoshu/g01", "baoshu/g02", "baoshu/g03", "baoshu/g04"]);
    fanned.add(
      key(baoshu),
      {
        ticketId: "hotline",
        ticketNo: "hotline",
        createdAt: "2026-02-01T00:00:00.000Z",
        signature: indexSignature(textSignature(...A))!,
      },
      cells,
    );
    const ids = async (area: AreaPath) =>
      (await repeatCandidates(fanned, key(area), since)).map((e) => e.ticketId);
    expect(await ids({ ...baoshu, grid: "g03" })).toEqual(["hotline"]);
    expect(await ids(baoshu)).toEqual(["hotline"]);
    expect(await ids({ district: "xihu", street: "beishan" })).toEqual(["hotline"]);
    expect(await ids({ ...baoshu, community: "shuguang", grid: "g01" })).toEqual([]);
    expect(repeatCells(config, { district: "xihu", street: "beishan" })).toHaveLength(16);
    expect(repeatCells(config, { ...baoshu, grid: "g01" })).toEqual([]);
    expect(repeatCells(config, { district: "xihu" })).toEqual([]);
  });

  it("a report inside a dedicated grid counts in the basic cell under its point, else in its community", () => {
    const market = { district: "dongcheng", street: "xinhua", community: "renmin", grid: "market" };
    const under = { ...market, grid: "g01" };
    expect(repeatArea(config, market, under)).toEqual(under);
    expect(repeatArea(config, market, null)).toEqual({
      district: "dongcheng",
      street: "xinhua",
      community: "renmin",
    });
    expect(repeatArea(config, under, null)).toEqual(under);
  });
});

describe("categories in a grid cell's range (the report's category below its top)", () => {
  const config = loadCityConfigFile("shared/config/city.json");
  const cell = { district: "xihu", street: "beishan", community: "baoshu", grid: "g01" };
  const since = "2026-01-01T00:00:00.000Z";
  const sig = indexSignature(textSignature(...A))!;
  const index = new MemoryDedupIndex();
  const put = (id: string, categoryId: string, createdAt = "2026-02-01T00:00:00.000Z") =>
    index.add(
      dedupPartition(config, cell, categoryId),
      { ticketId: id, ticketNo: id, createdAt, signature: sig },
      [],
      repeatLeaves(config, cell, categoryId),
    );
  put("drainage", "drainage");
  put("drainage-old", "drainage", "2025-12-01T00:00:00.000Z");
  put("manhole", "manhole");
  put("unsure", "urban-construction");
  // an entry written before the category part of the sort key (4 parts): read by a top-only check only
  index.add("xihu/beishan/baoshu/g01#urban-construction", {
    ticketId: "before",
    ticketNo: "before",
    createdAt: "2026-02-01T00:00:00.000Z",
    signature: sig,
  });
  const found = async (categoryId: string) =>
    (await repeatCandidates(index, dedupPartition(config, cell, categoryId), since))
      .map((e) => e.ticketId)
      .sort();

  it("a category check reads its category's entries in the window and the cell's top-only reports", async () => {
    expect(await found("drainage")).toEqual(["drainage", "unsure"]);
    expect(await found("manhole")).toEqual(["manhole", "unsure"]);
    expect(await found("street-light")).toEqual(["unsure"]);
  });

  it("a top-only check reads every category of its cell (each ticket once, the window after reading)", async () => {
    expect(await found("urban-construction")).toEqual(["before", "drainage", "manhole", "unsure"]);
  });

  it("the key, the slot and the extra categories", () => {
    expect(dedupPartition(config, cell, "drainage")).toBe(
      "xihu/beishan/baoshu/g01#urban-construction#drainage",
    );
    expect(dedupPartition(config, cell, "urban-construction")).toBe(
      "xihu/beishan/baoshu/g01#urban-construction",
    );
    expect(dedupSlot("xihu/beishan/baoshu/g01#urban-construction#drainage", "T", "id")).toEqual({
      pk: "xihu/beishan#urban-construction",
      sk: "baoshu#g01#drainage#T#id",
    });
    expect(parseSlotKey("baoshu#g01#drainage#T#id")).toEqual({ createdAt: "T", ticketId: "id" });
    expect(parseSlotKey("baoshu#g01#T#id")).toEqual({ createdAt: "T", ticketId: "id" });
    expect(repeatLeaves(config, cell, "urban-construction")).toContain("manhole");
    expect(repeatLeaves(config, cell, "drainage")).toEqual([]);
    // not placed to a cell: its cell entries carry no category (cells × categories would be too many items)
    expect(
      repeatLeaves(
        config,
        { district: "xihu", street: "beishan", community: "baoshu" },
        "urban-construction",
      ),
    ).toEqual([]);
    expect(repeatLeaves(config, cell, "health-care")).toEqual([]);
  });
});
