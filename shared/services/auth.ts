import { createHash, randomBytes } from "node:crypto";
import { UnauthorizedError, ValidationError } from "../domain/errors.js";
import type { Actor } from "../domain/lifecycle.js";
import type { ApiKeyRecord, KeyStore } from "../ports.js";

export type PrincipalRole = ApiKeyRecord["role"];
export type GatewayChannel = NonNullable<ApiKeyRecord["channel"]>;

/** Channels that file through a gateway with a `channel` key (hotline is the operators', grid the workers'). */
export const GATEWAY_CHANNELS: readonly GatewayChannel[] = ["wechat", "web", "open311"];

export function hashKey(raw: string): string {
  return createHash("sha256").update(raw, "utf8").digest("hex");
}

/** The label a key gets unless one is given: the principal as DESIGN.md §6 writes it. */
function defaultLabel(opts: { role: PrincipalRole; department?: string; channel?: string; grid?: string }) {
  if (opts.role === "department") return `department:${opts.department}`;
  if (opts.role === "channel") return `channel:${opts.channel}`;
  if (opts.role === "grid-worker") return `grid-worker:${opts.grid}`;
  return opts.role;
}

/** Issues a new API key. The plain key is returned once; only its hash is stored. */
export async function issueApiKey(
  keys: KeyStore,
  opts: {
    role: PrincipalRole;
    department?: string;
    channel?: string;
    grid?: string;
    label?: string;
    departments?: ReadonlySet<string>;
    grids?: ReadonlySet<string>;
  },
  now = new Date(),
): Promise<{ key: string; record: ApiKeyRecord }> {
  if (opts.role === "department") {
    if (!opts.department)
      throw new ValidationError("department 角色需要 --dept / a department key needs --dept", "dept");
    if (opts.departments && !opts.departments.has(opts.department)) {
      throw new ValidationError(`未知承办单位 ${opts.department} / unknown department`, "dept");
    }
  }
  if (opts.role === "channel" && !GATEWAY_CHANNELS.includes(opts.channel as GatewayChannel)) {
    throw new ValidationError(
      `channel 角色需要 --channel ${GATEWAY_CHANNELS.join("|")} / a channel key needs --channel`,
      "channel",
    );
  }
  if (opts.role === "grid-worker") {
    if (!opts.grid)
      throw new ValidationError("grid-worker 角色需要 --grid / a grid-worker key needs --grid", "grid");
    if (opts.grids && !opts.grids.has(opts.grid)) {
      throw new ValidationError(`未知网格 ${opts.grid} / unknown grid cell`, "grid");
    }
  }
  const key = `cri_${opts.role.slice(0, 4)}_${randomBytes(24).toString("base64url")}`;
  const record: ApiKeyRecord = {
    hash: hashKey(key),
    role: opts.role,
    ...(opts.role === "department" ? { department: opts.department } : {}),
    ...(opts.role === "channel" ? { channel: opts.channel as GatewayChannel } : {}),
    ...(opts.role === "grid-worker" ? { grid: opts.grid } : {}),
    label: opts.label ?? defaultLabel(opts),
    createdAt: now.toISOString(),
  };
  await keys.putKey(record);
  return { key, record };
}

/** How long a process trusts a key lookup: a key revoked elsewhere is refused here within this time. */
export const AUTH_CACHE_TTL_MS = 60_000;

/**
 * Revokes the key whose hash starts with `prefix` (at least 8 hex characters) or whose label is `prefix`;
 * refuses an ambiguous match. Returns the revoked records.
 */
export async function revokeApiKey(keys: KeyStore, prefixOrLabel: string, now = new Date()) {
  if (!keys.listKeys || !keys.revokeKey) throw new Error("this key store cannot list or revoke keys");
  const all = (await keys.listKeys()).filter((k) => !k.revokedAt);
  const byHash = /^[0-9a-f]{8,64}$/.test(prefixOrLabel)
    ? all.filter((k) => k.hash.startsWith(prefixOrLabel))
    : [];
  const matches = byHash.length ? byHash : all.filter((k) => k.label === prefixOrLabel);
  if (matches.length === 0) throw new ValidationError(`没有匹配的密钥 ${prefixOrLabel} / no such key`, "key");
  if (byHash.length > 1)
    throw new ValidationError("哈希前缀不唯一 / hash prefix matches several keys", "key");
  for (const k of matches) await keys.revokeKey(k.hash, now.toISOString());
  return matches;
}

/** Looks a presented key up by its hash (with a short in-memory cache per process, AUTH_CACHE_TTL_MS). */
export function createAuthenticator(keys: KeyStore, ttlMs = AUTH_CACHE_TTL_MS, now = () => Date.now()) {
  const cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();
  return async function authenticate(raw: string | undefined): Promise<Actor> {
    if (!raw || raw.length > 200) throw new UnauthorizedError();
    const hash = hashKey(raw);
    let hit = cache.get(hash);
    if (!hit || hit.until < now()) {
      hit = { record: await keys.getKey(hash), until: now() + ttlMs };
      if (cache.size > 1000) cache.clear();
      cache.set(hash, hit);
    }
    const record = hit.record;
    if (!record || record.revokedAt) throw new UnauthorizedError();
    return {
      id: `${record.label}#${hash.slice(0, 8)}`,
      role: record.role,
      ...(record.department ? { department: record.department } : {}),
      ...(record.channel ? { channel: record.channel } : {}),
      ...(record.grid ? { grid: record.grid } : {}),
    };
  };
}
