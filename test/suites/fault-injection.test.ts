/**
 * Fault injection while tickets flow through the whole local system: DynamoDB and SQS errors, throttling and
 * timeouts on every port call (before the call, or after it succeeded — a lost answer), queue sends that fail
 * right after the table write (a crash between the two), and a consumer that dies after receiving (polls, never
 * accepts). Clients retry with their Idempotency-Key as a careful client does. Afterwards, on a healed system:
 * every acknowledged ticket exists exactly once, waits in exactly one queue (its department's or triage), and
 * has a complete history.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../functions/lib/http.js";
import { startApiServer } from "../../scripts/local/api-server.js";
import { freePort } from "../../scripts/local/stand-ins.js";
import type { Queue, TicketStore } from "../../shared/ports.js";
import { redriveDeadLetters, sweepPending, waitingTarget } from "../../shared/services/delivery.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

const TICKETS = Number(process.env.FAULT_TICKETS ?? 30);

/** A deterministic pseudo-random source, so a failing run can be replayed (FAULT_SEED). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FAULTS = [
  () => Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException" }),
  () => Object.assign(new Error("socket timed out"), { name: "TimeoutError" }),
  () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  () => Object.assign(new Error("Service unavailable"), { name: "ServiceUnavailable" }),
];

const injected: Record<string, number> = { before: 0, after: 0, send: 0 };

function faulty<T extends object>(
  target: T,
  random: () => number,
  rates: { before: number; after: number },
  only?: string[],
): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || (only && !only.includes(String(prop)))) return value;
      return async (...args: unknown[]) => {
        if (random() < rates.before) {
          injected.before!++;
          throw FAULTS[Math.floor(random() * FAULTS.length)]!();
        }
        const result = await value.apply(obj, args);
        if (random() < rates.after) {
          injected.after!++; // it happened, but the caller never hears so
          throw FAULTS[Math.floor(random() * FAULTS.length)]!();
        }
        return result;
      };
    },
  });
}

let sys: TestSystem;
beforeAll(async () => {
  const config = defaultConfig();
  config.queues.visibilityTimeoutSeconds = 1;
  sys = await startTestSystem("faults", config);
});
afterAll(async () => {
  await sys?.stop();
});

describe("fault injection across the whole local system", () => {
  it("loses nothing, duplicates nothing, keeps every history complete", async () => {
    const random = rng(Number(process.env.FAULT_SEED ?? 13));
    const core = sys.runtime.core;
    const store = faulty<TicketStore>(core.store, random, { before: 0.08, after: 0.04 }, [
      "create",
      "get",
      "getIdempotency",
      "save",
      "clearDispatchPending",
      "nextSequence",
    ]);
    const queue = faulty<Queue>(core.queue, random, { before: 0.25, after: 0.05 }, [
      "send",
      "receive",
      "delete",
    ]);
    // Sends inline through the failing queue (the stream poller of `sys` delivers too: at least once).
    const runtime: Runtime = {
      core: { ...core, store, queue, dispatch: "inline" },
      authenticate: sys.runtime.authenticate,
    };
    const port = await freePort();
    const server = await startApiServer(runtime, port);
    const base = `http://127.0.0.1:${port}`;
    const acknowledged = new Map<string, { id: string; phone: string }>();
    const statuses: Record<number, number> = {};
    try {
      const file = async (i: number) => {
        const phone = `1370000${String(1000 + i).slice(-4)}`;
        const body = JSON.stringify(
          report({ title: `故障注入 ${i}`, reporter: { phone }, categoryId: i % 3 ? "drainage" : undefined }),
        );
        for (let attempt = 0; attempt < 12; attempt++) {
          const res = await fetch(`${base}/v1/tickets`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${sys.keys.operator}`,
              "content-type": "application/json",
              "idempotency-key": `fault-${i}`,
            },
            body,
          });
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          const json = (await res.json()) as { id?: string; error?: { message?: string } };
          if (res.status === 201 || res.status === 200) {
            acknowledged.set(`fault-${i}`, { id: json.id!, phone });
            return;
          }
          expect([429, 503, 500, 409]).toContain(res.status);
          if (res.status >= 500) expect(JSON.stringify(json)).not.toMatch(/ECONN|stack|at /);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      for (let i = 0; i < TICKETS; i += 5) await Promise.all([0, 1, 2, 3, 4].map((k) => file(i + k)));

      // A consumer that dies after receiving: it polls through the faulty path and never accepts.
      for (let k = 0; k < 3; k++) {
        await fetch(`${base}/v1/departments/water/inbox?wait=0&max=10`, {
          headers: { authorization: `Bearer ${sys.keys.departments.water}` },
        });
      }
    } finally {
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    }
    expect(acknowledged.size).toBe(TICKETS); // every client got its answer in the end
    expect(injected.before! + injected.after!).toBeGreaterThan(5);

    // Heal: the sweeper (pending sends) and the dead-letter redrive, on the real ports.
    await new Promise((r) => setTimeout(r, 1200)); // dead consumer's leases run out
    await sweepPending(core, { graceSeconds: 0 });
    await redriveDeadLetters(core);

    // Where is each ticket offered? Drain every queue once (leases expire, nobody accepts).
    const foundIn = new Map<string, Set<string>>();
    const targets = [...core.config.departments.map((d) => d.id), "triage"];
    for (const target of targets) {
      for (let round = 0; round < 6; round++) {
        const got = await core.queue.receive(target, { max: 10, waitSeconds: 0 });
        if (!got.length) break;
        for (const { message } of got) {
          const id = (message as { ticketId?: string }).ticketId;
          if (!id) continue;
          const set = foundIn.get(id) ?? new Set();
          set.add(target);
          foundIn.set(id, set);
        }
      }
    }

    for (const [key, { id, phone }] of acknowledged) {
      const list = await core.store.listByReporterPhone(phone, 10);
      expect(
        list.items.map((t) => t.id),
        `${key}: exactly one ticket`,
      ).toEqual([id]);
      const ticket = await core.store.get(id);
      expect(ticket, key).toBeTruthy();
      const seqs = ticket!.history.map((e) => e.seq);
      expect(seqs, `${key}: history complete`).toEqual(seqs.map((_, i) => i));
      expect(ticket!.history[0]?.type).toBe("create");
      const target = waitingTarget(ticket!);
      expect(target, key).toBeTruthy();
      expect([...(foundIn.get(id) ?? [])], `${key}: offered in exactly its queue`).toEqual([target]);
      expect(ticket!.dispatchPending).toBe(false);
    }
    console.log(
      `fault injection: ${TICKETS} tickets, ${injected.before} faults before a call, ${injected.after} lost answers; answers ${JSON.stringify(statuses)}`,
    );
  }, 180_000);
});
