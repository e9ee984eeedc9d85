import { describe, expect, it } from "vitest";
import { freePort, type StandIn, startSqsLocal } from "../../../scripts/local/stand-ins.js";
import { supervise } from "../../../scripts/local/supervisor.js";

/** A stand-in that dies when told to. */
function fake(port: number, started: number[]): StandIn {
  const listeners: ((reason: string) => void)[] = [];
  started.push(Date.now());
  return {
    endpoint: `http://127.0.0.1:${port}`,
    onDeath: (l) => {
      listeners.push(l);
    },
    kill: () => {
      for (const l of listeners.splice(0)) l("crashed");
    },
    stop: async () => {},
  };
}

describe("supervise", () => {
  it("restarts a dead stand-in on the same port after a delay that doubles, then gives up", async () => {
    const port = await freePort();
    const started: number[] = [];
    const log: string[] = [];
    const gaveUp: string[] = [];
    let after = 0;
    const s = await supervise({
      name: "fake",
      start: async (p) => {
        expect(p ?? port).toBe(port);
        return fake(port, started);
      },
      afterRestart: async () => {
        after++;
      },
      maxRestarts: 2,
      restartDelayMs: 50,
      log: (m) => log.push(m),
      giveUp: (r) => gaveUp.push(r),
    });
    s.kill();
    expect(s.running).toBe(false);
    await expect.poll(() => s.restarts).toBe(1);
    expect(s.running).toBe(true);
    s.kill();
    await expect.poll(() => s.restarts).toBe(2);
    expect(after).toBe(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(45);
    expect(started[2]! - started[1]!).toBeGreaterThanOrEqual(95); // the second death within the window waits twice as long
    expect(log).toContain(`fake: crashed; restarting on port ${port} in 100 ms`);
    s.kill(); // a third death within the window: more than maxRestarts
    expect(gaveUp).toEqual([`fake: crashed; died 3 times within 60 s`]);
    await s.stop();
  });

  it("retries what a restart must re-create while a dependency is still coming back", async () => {
    const port = await freePort();
    let tries = 0;
    const log: string[] = [];
    const s = await supervise({
      name: "fake",
      start: async () => fake(port, []),
      afterRestart: async () => {
        if (++tries < 2) throw new Error("table not back yet");
      },
      restartDelayMs: 10,
      log: (m) => log.push(m),
      giveUp: (r) => {
        throw new Error(r);
      },
    });
    s.kill();
    await expect.poll(() => s.running, { timeout: 5000 }).toBe(true);
    expect(tries).toBe(2);
    expect(log.some((l) => l.includes("table not back yet; trying again"))).toBe(true);
    await s.stop();
  });

  it("a crashed queue server comes back on its port with its queues, empty", async () => {
    const queues = [{ QueueName: "q-dlq" }, { QueueName: "q", Attributes: { VisibilityTimeout: "5" } }];
    const s = await supervise({
      name: "SQS server",
      start: (port) => startSqsLocal({ ...(port ? { port } : {}), queues }),
      restartDelayMs: 10,
      log: () => {},
      giveUp: (r) => {
        throw new Error(r);
      },
    });
    try {
      const list = () =>
        fetch(`${s.endpoint}/`, {
          method: "POST",
          headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.ListQueues" },
          body: "{}",
        }).then(
          async (r) => ((await r.json()) as { QueueUrls?: string[] }).QueueUrls ?? [],
          () => null,
        );
      expect(await list()).toHaveLength(2);
      s.kill();
      await expect.poll(() => s.restarts).toBe(1);
      expect(await list()).toEqual([`${s.endpoint}/123456789012/q-dlq`, `${s.endpoint}/123456789012/q`]);
    } finally {
      await s.stop();
    }
  });
});
