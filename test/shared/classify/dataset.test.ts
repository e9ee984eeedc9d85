import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  isPreTokenized,
  normalizeText,
  parseCsv,
  parseLabelledCsv,
  parseLabelledData,
  parseLabelledJsonl,
  stratifiedSplit,
} from "../../../shared/classify/index.js";
import { fixturePath, trainRows } from "./fixture.js";

describe("CSV and JSONL input", () => {
  it("parses quoted CSV fields with commas, quotes and newlines", () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n,\n')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"\nthere'],
      ["", ""],
    ]);
    expect(parseCsv("\ufefftext,label\n水,供水")).toEqual([
      ["text", "label"],
      ["水", "供水"],
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(/not closed/);
  });

  it("reads the labelled CSV fixture by header name", () => {
    const rows = parseLabelledCsv(readFileSync(fixturePath("classify-train.csv"), "utf8"));
    expect(rows).toHaveLength(32);
    expect(rows[30]).toEqual({ label: "噪音", text: '邻居说"再等等"，可是装修\n噪音已经持续一个月' });
    expect(new Set(rows.map((r) => r.label)).size).toBe(5);
  });

  it("names the missing CSV column or field", () => {
    expect(() => parseLabelledCsv("text,category\n水,供水")).toThrow(/no "label" column/);
    expect(() => parseLabelledCsv("body,category\n水,供水")).toThrow(/no "text" or "label" column/);
    expect(() => parseLabelledCsv("text,label\n水")).toThrow(/row 2: missing fields/);
    expect(() => parseLabelledCsv("")).toThrow(/empty/);
  });

  it("reads JSONL and names the line of a bad row", () => {
    expect(parseLabelledJsonl('{"text":"水","label":"供水","id":1}\n\n')).toEqual([
      { text: "水", label: "供水" },
    ]);
    expect(() => parseLabelledJsonl('{"text":"水","label":"供水"}\n{"text":"水"}')).toThrow(
      /line 2: missing string field "label"/,
    );
    expect(() => parseLabelledJsonl('{"label":"x"}')).toThrow(/line 1: missing string field "text"/);
    expect(() => parseLabelledJsonl("{oops")).toThrow(/line 1: not valid JSON/);
  });

  it("chooses the format from the file name or the content", () => {
    expect(parseLabelledData('{"text":"水","label":"a"}', "x.jsonl")).toHaveLength(1);
    expect(parseLabelledData("text,label\n水,a", "x.csv")).toHaveLength(1);
    expect(parseLabelledData('{"text":"水","label":"a"}')).toHaveLength(1);
    expect(parseLabelledData("text,label\n水,a")).toHaveLength(1);
  });
});

describe("text handling", () => {
  it("normalises full-width, case and common traditional characters", () => {
    expect(normalizeText("ＫＴＶ噪音擾民，汙水")).toBe("ktv噪音扰民,污水");
  });

  it("tells pre-cut text from raw text", () => {
    expect(isPreTokenized("小区 门口 污水井 冒水 好几天")).toBe(true);
    expect(isPreTokenized("小区门口污水井冒水好几天了")).toBe(false);
    expect(isPreTokenized("the water pipe is broken")).toBe(false);
    expect(isPreTokenized("")).toBe(false);
  });
});

describe("stratified split", () => {
  it("is deterministic, stratified and keeps identical texts together", () => {
    const rows = [...trainRows, ...trainRows.slice(0, 10)];
    const a = stratifiedSplit(rows, 0.25, 3);
    const b = stratifiedSplit(rows, 0.25, 3);
    expect(a).toEqual(b);
    expect(a.train.length + a.test.length).toBe(rows.length);
    for (const label of new Set(rows.map((r) => r.label))) {
      expect(a.test.some((r) => r.label === label)).toBe(true);
    }
    const testTexts = new Set(a.test.map((r) => r.text));
    expect(a.train.filter((r) => testTexts.has(r.text))).toEqual([]);
    expect(stratifiedSplit(rows, 0.25, 4)).not.toEqual(a);
  });
});
