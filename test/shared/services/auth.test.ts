import { describe, expect, it } from "vitest";
import { UnauthorizedError, ValidationError } from "../../../shared/domain/errors.js";
import type { ApiKeyRecord, KeyStore } from "../../../shared/ports.js";
import { createAuthenticator, hashKey, issueApiKey } from "../../../shared/services/auth.js";

/** Keeps records the way a real store would, and counts look-ups. */
class MemoryKeyStore implements KeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  lookups = 0;

  async putKey(record: ApiKeyRecord): Promise<void> {
    if (this.records.has(record.hash)) throw new Error("duplicate key hash");
    this.records.set(record.hash, structuredClone(record));
  }

  async getKey(hash: string): Promise<ApiKeyRecord | null> {
    this.lookups++;
    const found = this.records.get(hash);
    return found ? structuredClone(found) : null;
  }
}

const NOW = new Date("2026-02-03T04:05:06.000Z");

describe("issueApiKey", () => {
  it("stores only the hash of the key, never the key itself", async () => {
    const store = new MemoryKeyStore();
    const { key, record } = await issueApiKey(store, { role: "operator" }, NOW);
    expect(store.records.size).toBe(1);
    const stored = [...store.records.values()][0]!;
    expect(stored).toEqual(record);
    expect(stored.hash).toBe(hashKey(key));
    expect(stored.hash).not.toBe(key);
    expect(JSON.stringify([...store.records.entries()])).not.toContain(key);
    expect(stored.createdAt).toBe(NOW.toISOString());
  });

  it("hashKey is a stable SHA-256 hex digest that differs per key", () => {
    expect(hashKey("abc")).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey("abc")).toBe(hashKey("abc"));
    expect(hashKey("abc")).not.toBe(hashKey("abd"));
  });

  it("issues a different, hard-to-guess key every time", async () => {
    const store = new MemoryKeyStore();
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) keys.add((await issueApiKey(store, { role: "dispatcher" })).key);
    expect(keys.size).toBe(20);
    for (const key of keys) expect(key.length).toBeGreaterThanOrEqual(30);
  });

  it("records the department of a department key and labels it", async () => {
    const store = new MemoryKeyStore();
    const { record } = await issueApiKey(store, { role: "department", department: "water" });
    expect(record).toMatchObject({ role: "department", department: "water" });
    expect(record.label).toContain("water");
    const custom = await issueApiKey(store, { role: "operator", label: "desk 4" });
    expect(custom.record.label).toBe("desk 4");
    expect(custom.record).not.toHaveProperty("department");
  });

  it("ignores a department given for a non-department role", async () => {
    const store = new MemoryKeyStore();
    const { record } = await issueApiKey(store, { role: "dispatcher", department: "water" });
    expect(record).not.toHaveProperty("department");
  });

  it("a department key without a department → ValidationError, and nothing is stored", async () => {
    const store = new MemoryKeyStore();
    const err = await issueApiKey(store, { role: "department" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe("dept");
    expect(store.records.size).toBe(0);
  });

  it("a department key for a department not in the configured set → ValidationError", async () => {
    const store = new MemoryKeyStore();
    const departments = new Set(["water", "parks"]);
    await expect(
      issueApiKey(store, { role: "department", department: "moon-base", departments }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      issueApiKey(store, { role: "department", department: "parks", departments }),
    ).resolves.toBeTruthy();
    expect(store.records.size).toBe(1);
  });
});

describe("createAuthenticator", () => {
  it("maps a key to its role and department", async () => {
    const store = new MemoryKeyStore();
    const authenticate = createAuthenticator(store);
    const dept = await issueApiKey(store, { role: "department", department: "parks" });
    const op = await issueApiKey(store, { role: "operator" });
    const dis = await issueApiKey(store, { role: "dispatcher" });

    const deptActor = await authenticate(dept.key);
    expect(deptActor).toMatchObject({ role: "department", department: "parks" });
    expect(deptActor.id).toContain(dept.record.label);
    expect(deptActor.id).not.toContain(dept.key);

    const opActor = await authenticate(op.key);
    expect(opActor.role).toBe("operator");
    expect(opActor).not.toHaveProperty("department");
    expect((await authenticate(dis.key)).role).toBe("dispatcher");
    expect(opActor.id).not.toBe((await authenticate(dis.key)).id);
  });

  it("rejects unknown, missing, empty and oversized keys with UnauthorizedError", async () => {
    const store = new MemoryKeyStore();
    const authenticate = createAuthenticator(store);
    const { key } = await issueApiKey(store, { role: "operator" });
    for (const bad of [undefined, "", `${key}x`, key.slice(0, -1), "x".repeat(201)]) {
      await expect(authenticate(bad)).rejects.toBeInstanceOf(UnauthorizedError);
    }
  });

  it("does not look up an oversized key at all", async () => {
    const store = new MemoryKeyStore();
    const authenticate = createAuthenticator(store);
    await expect(authenticate("k".repeat(500))).rejects.toBeInstanceOf(UnauthorizedError);
    expect(store.lookups).toBe(0);
  });

  it("caches look-ups for the TTL, then asks the store again", async () => {
    const store = new MemoryKeyStore();
    let clock = 1_000_000;
    const authenticate = createAuthenticator(store, 5_000, () => clock);
    const { key, record } = await issueApiKey(store, { role: "operator" });

    await authenticate(key);
    await authenticate(key);
    expect(store.lookups).toBe(1);

    // a revoked key keeps working only until the cache entry expires
    store.records.delete(record.hash);
    clock += 4_000;
    await expect(authenticate(key)).resolves.toMatchObject({ role: "operator" });
    clock += 2_000;
    await expect(authenticate(key)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(store.lookups).toBe(2);
  });
});
