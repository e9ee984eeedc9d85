import { describe, expect, it } from "vitest";
import { pairScore, textSignature } from "../../../shared/routing/dedup/index.js";
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

  it("a title too short to tell matches nothing on its own", () => {
    const short = textSignature("噪音扰民", "楼下每天晚上施工，很吵。");
    const other = textSignature("噪音扰民", "广场舞音响太大，影响休息。");
    expect(pairScore(short, other)).toBeLessThan(0.5);
  });
});
