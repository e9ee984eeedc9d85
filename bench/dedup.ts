/**
 * `npm run bench:dedup -- --data ../shared/data/teddy2020c/dedup.jsonl [--open 100000] [--dynamo 100000]
 *   [--coarse 0.3] [--window 90] [--auto 0.8] [--flag 0.5]`
 *
 * Repeat merging (重复工单) measured on real repeat reports: the labelled rows (groups of repeats and singletons)
 * are checked one by one, in the order they were filed, against an index that already holds `--open` synthetic
 * open tickets (our own generated text). Each check is what intake does: signature of the new text, one indexed
 * query for its repeat partition (shared/routing/dedup dedupQuery), MinHash scoring; a match at or above
 * autoMergeScore merges (the child leaves the index), one at or above flagScore flags.
 *   - pair precision / recall: pairs of rows put in one group (through their links) vs the labelled groups;
 *   - time per check (mean, p95 wall; this process's CPU), indexed queries and candidates read per check.
 * Where things are (an assumption; the labelled rows carry no place):
 *   - the synthetic tickets are spread over the demo city's 120 basic grid cells × the leaf categories (so the 7
 *     top-level categories), each cell weighted 1–3× (a fixed draw: some places are busier), as a city would be;
 *   - each labelled repeat group is put in one grid cell (its reports are one problem at one place) and each
 *     singleton in a cell of its own draw; `--coarse F` places that share of the labelled rows (a fixed draw)
 *     only to their cell's community, as a hotline report with an address and no point is (mixing grid-level and
 *     community-level reports; a community-level one is indexed under its community's cells too, as intake does).
 * Two indexes hold the same `--open` tickets: the in-memory implementation of the index port (MemoryDedupIndex)
 * and DynamoDB Local's sparse GSI8 (`--dynamo N` synthetic tickets, default = --open; 0 skips it), loaded with
 * BatchWrite in parallel (the load time is printed).
 * The time window (dedup.windowDays, or --window) applies to the labelled rows as filed; every synthetic ticket
 * counts as open and recent for every check (the worst case for time and precision).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable, startDynamoLocal } from "../scripts/local/stand-ins.js";
import { createClients } from "../shared/adapters/aws.js";
import { DynamoTicketStore } from "../shared/adapters/dynamo-store.js";
import { dedupEntryItems, ticketItem } from "../shared/adapters/table.js";
import { quantile } from "../shared/classify/evaluate.js";
import { loadCityConfigFile } from "../shared/config/load.js";
import type { AreaPath, Ticket } from "../shared/domain/ticket.js";
import type { DedupEntry, DedupIndex, DedupQuery } from "../shared/ports.js";
import {
  dedupPartition,
  indexSignature,
  repeatCandidates,
  repeatCells,
  repeatLeaves,
  scoreCandidates,
  textSignature,
} from "../shared/routing/dedup/index.js";
import { MemoryDedupIndex } from "../shared/routing/dedup/memory.js";
import { createCategorySuggester } from "../shared/services/classifier-setup.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** The synthetic tickets carry no phone: any key will do for the index item. */
const PHONE_KEY = Buffer.alloc(32);
const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

interface Row {
  id: string;
  title: string;
  text: string;
  created_at: string;
  user: string;
  dup_group: string | null;
}

const config = loadCityConfigFile("shared/config/city.json");
const settings = {
  ...config.dedup,
  autoMergeScore: Number(arg("auto", String(config.dedup.autoMergeScore))),
  flagScore: Number(arg("flag", String(config.dedup.flagScore))),
  windowDays: Number(arg("window", String(config.dedup.windowDays))),
};
/** Synthetic tickets are in every check's window (the worst case: all 100,000 open and recent). */
const ALWAYS_RECENT = "9999-01-01T00:00:00.000Z";
const suggester = createCategorySuggester(config, null);
const cells: AreaPath[] = config.districts.flatMap((d) =>
  d.streets.flatMap((s) =>
    s.communities.flatMap((c) =>
      c.grids.map((grid) => ({ district: d.id, street: s.id, community: c.id, grid })),
    ),
  ),
);
const leafCategories = config.categories.filter((c) => c.parent).map((c) => c.id);

/** Deterministic pseudo-random numbers (the same synthetic city every run). */
function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// Synthetic reports, written for this benchmark: place × object × problem × detail × request.
const PLACES = config.districts.flatMap((d) =>
  d.streets.flatMap((s) => s.communities.flatMap((c) => [c.name, ...(c.places ?? [])])),
);
const OBJECTS = [
  "路灯",
  "井盖",
  "垃圾桶",
  "下水道",
  "人行道",
  "公交站",
  "绿化带",
  "电梯",
  "围墙",
  "小广场",
  "菜市场",
  "停车场",
  "健身器材",
  "消防通道",
  "楼道",
  "路口",
];
const PROBLEMS = [
  "坏了很久没人修",
  "被人占用",
  "一直有异味",
  "晚上很吵",
  "堆满杂物",
  "出现裂缝",
  "积水严重",
  "存在安全隐患",
  "经常堵塞",
  "被车辆损坏",
  "设施老化",
  "无人管理",
];
const DETAILS = [
  "已经一个多月了",
  "附近老人小孩很多",
  "多次反映都没有结果",
  "下雨天更严重",
  "晚上经过很危险",
  "影响周边居民出行",
  "物业说不归他们管",
  "周末尤其明显",
];
const ASKS = [
  "请尽快处理",
  "希望有关部门管一管",
  "请派人来看看",
  "请给个说法",
  "恳请尽快解决",
  "希望早日修复",
];

/** Each cell's share of the synthetic tickets: 1–3× the lightest (a fixed draw), as cumulative weights. */
const cellWeights = (() => {
  const r = rng(777);
  let sum = 0;
  return cells.map(() => {
    sum += 1 + 2 * r();
    return sum;
  });
})();
function weightedCell(rand: () => number): AreaPath {
  const x = rand() * cellWeights.at(-1)!;
  let lo = 0;
  let hi = cellWeights.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cellWeights[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return cells[lo]!;
}

/** A stable draw in [0, 1) from a string (FNV-1a), for placing labelled rows. */
function draw(text: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return ((h ^ (h >>> 12)) >>> 0) / 4294967296;
}

function synthetic(i: number, rand: () => number) {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const place = pick(PLACES);
  const object = pick(OBJECTS);
  const title = `${place}${object}${pick(PROBLEMS)}`;
  const description = `${place}${Math.floor(rand() * 200) + 1}号附近的${object}${pick(PROBLEMS)}，${pick(DETAILS)}，${pick(DETAILS)}，${pick(ASKS)}。`;
  const area = weightedCell(rand);
  const categoryId = pick(leafCategories);
  return { id: `syn-${i}`, title, description, area, categoryId };
}

/** Runs the labelled rows through `index` in filing order; returns pair precision/recall and timings. */
/** The labelled row's place: its group's grid cell (or its own draw), or only that cell's community (--coarse). */
function placeOf(row: Row, coarseShare: number): AreaPath {
  const cell = cells[Math.floor(draw(row.dup_group ?? row.id, 1) * cells.length)]!;
  if (draw(row.id, 2) >= coarseShare) return cell;
  const { grid: _g, ...community } = cell;
  return community;
}

async function evaluate(
  rows: Row[],
  index: DedupIndex,
  add: (
    key: string,
    e: DedupEntry,
    cells: string[],
    leaves: string[],
    textSignature: string,
  ) => Promise<void>,
  coarseShare: number,
) {
  let queries = 0;
  let candidates = 0;
  const counted: DedupIndex = {
    async dedupCandidates(q: DedupQuery) {
      queries++;
      const found = await index.dedupCandidates(q);
      candidates += found.length;
      return found;
    },
  };
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const times: number[] = [];
  let cpuMicros = 0;
  const queryTimes: number[] = [];
  let queryCpuMicros = 0;
  let auto = 0;
  let flagged = 0;
  let falseToSynthetic = 0;
  const autoLinks: [string, string][] = [];
  const flagLinks: [string, string][] = [];
  for (const row of rows) {
    const [title, ...rest] = row.text.split("\n");
    const description = rest.join("\n") || title!;
    // Intake has classified the report already (its cost: npm run bench:routing); the check starts here.
    const s = suggester.suggest(`${title}\n${description}`);
    const place = placeOf(row, coarseShare);
    const partition = dedupPartition(config, place, s?.categoryId ?? null);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const signature = textSignature(title!, description);
    const since = new Date(Date.parse(`${row.created_at}Z`) - settings.windowDays * 86_400_000).toISOString();
    const q0 = performance.now();
    const qc0 = process.cpuUsage();
    const entries = await repeatCandidates(counted, partition, since);
    queryTimes.push(performance.now() - q0);
    const qc1 = process.cpuUsage(qc0);
    queryCpuMicros += qc1.user + qc1.system;
    const found = scoreCandidates(entries, settings, {
      partition,
      signature,
      title: title!,
      createdAt: row.created_at,
    });
    times.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpuMicros += c1.user + c1.system;
    const best = found?.best;
    if (best) {
      if (best.ticketId.startsWith("syn-")) falseToSynthetic++;
      if (found.level === "auto") {
        auto++;
        autoLinks.push([row.id, best.ticketId]);
      } else {
        flagged++;
        flagLinks.push([row.id, best.ticketId]);
      }
    }
    if (found?.level !== "auto")
      await add(
        partition,
        {
          ticketId: row.id,
          ticketNo: row.id,
          createdAt: row.created_at,
          title: title!,
          signature: indexSignature(signature)!,
        },
        repeatCells(config, place),
        repeatLeaves(config, place, s?.categoryId ?? null),
        signature,
      );
  }
  const truth = new Map(rows.map((r) => [r.id, r.dup_group]));
  const pairs = (links: [string, string][]) => {
    parent.clear();
    for (const r of rows) parent.set(r.id, r.id);
    for (const [a, b] of links) if (parent.has(b)) parent.set(find(a), find(b));
    const groups = new Map<string, string[]>();
    for (const r of rows) groups.set(find(r.id), [...(groups.get(find(r.id)) ?? []), r.id]);
    let predicted = 0;
    let correct = 0;
    for (const g of groups.values())
      for (let i = 0; i < g.length; i++)
        for (let j = i + 1; j < g.length; j++) {
          predicted++;
          const ga = truth.get(g[i]!);
          if (ga && ga === truth.get(g[j]!)) correct++;
        }
    const sizes = new Map<string, number>();
    for (const r of rows) if (r.dup_group) sizes.set(r.dup_group, (sizes.get(r.dup_group) ?? 0) + 1);
    const actual = [...sizes.values()].reduce((a, n) => a + (n * (n - 1)) / 2, 0);
    // links to synthetic tickets are wrong pairs too
    const wrongSynthetic = links.filter(([, b]) => b.startsWith("syn-")).length;
    return {
      precision: correct / Math.max(1, predicted + wrongSynthetic),
      recall: correct / Math.max(1, actual),
      predicted: predicted + wrongSynthetic,
      actual,
    };
  };
  return {
    auto: pairs(autoLinks),
    autoOrFlag: pairs([...autoLinks, ...flagLinks]),
    autoMerged: auto,
    flagged,
    falseToSynthetic,
    queriesPerCheck: queries / rows.length,
    candidatesPerCheck: candidates / rows.length,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    cpuMs: cpuMicros / 1000 / rows.length,
    p95Ms: quantile(times, 0.95),
    queryMeanMs: queryTimes.reduce((a, b) => a + b, 0) / queryTimes.length,
    queryCpuMs: queryCpuMicros / 1000 / rows.length,
  };
}

function print(label: string, r: Awaited<ReturnType<typeof evaluate>>) {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const mark = (ok: boolean) => (ok ? "PASS" : "MISS");
  console.log(`\n== ${label} ==`);
  console.log(
    `auto-merge (score ≥ ${settings.autoMergeScore}): pair precision ${pct(r.auto.precision)} [${mark(r.auto.precision >= 0.95)} ≥ 95%]  recall ${pct(r.auto.recall)} [${mark(r.auto.recall >= 0.85)} ≥ 85%]  (${r.auto.predicted} predicted / ${r.auto.actual} labelled pairs)`,
  );
  console.log(
    `auto + flagged (score ≥ ${settings.flagScore}): pair precision ${pct(r.autoOrFlag.precision)}  recall ${pct(r.autoOrFlag.recall)}  (${r.autoOrFlag.predicted} predicted)`,
  );
  console.log(
    `checks: ${r.autoMerged} auto-merged, ${r.flagged} flagged, ${r.falseToSynthetic} matched a synthetic ticket`,
  );
  console.log(
    `time per check: mean ${r.meanMs.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms [${mark(r.meanMs < 5)} < 5 ms]; this process's CPU ${r.cpuMs.toFixed(2)} ms per check; ${r.queriesPerCheck} indexed query per check, ${r.candidatesPerCheck.toFixed(0)} candidates read per check`,
  );
  console.log(
    `  of which the query: wall mean ${r.queryMeanMs.toFixed(2)} ms, this process's CPU ${r.queryCpuMs.toFixed(2)} ms; scoring and signature: ${(r.cpuMs - r.queryCpuMs).toFixed(2)} ms CPU`,
  );
  const [load] = loadavg();
  console.log(`(load average ${load?.toFixed(1)} on ${cpus().length} cores while measuring)`);
}

async function main() {
  const data = arg("data", "../shared/data/teddy2020c/dedup.jsonl")!;
  const open = Number(arg("open", "100000"));
  const dynamoSize = Number(arg("dynamo", String(open)));
  const coarse = Number(arg("coarse", "0"));
  const rows: Row[] = readFileSync(data, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row)
    .sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  console.log(
    `${rows.length} labelled rows from ${data}; ${open.toLocaleString()} synthetic open tickets over ${cells.length} grid cells; ${(coarse * 100).toFixed(0)}% of the labelled rows placed only to their community`,
  );

  const rand = rng(12345);
  const memory = new MemoryDedupIndex();
  const t0 = performance.now();
  const synth = Array.from({ length: Math.max(open, dynamoSize) }, (_, i) => {
    const s = synthetic(i, rand);
    return {
      ...s,
      key: dedupPartition(config, s.area, s.categoryId),
      signature: textSignature(s.title, s.description),
    };
  });
  for (const s of synth.slice(0, open)) {
    memory.add(s.key, {
      ticketId: s.id,
      ticketNo: s.id,
      createdAt: ALWAYS_RECENT,
      title: s.title,
      signature: indexSignature(s.signature)!,
    });
  }
  console.log(`index built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  print(
    `in memory, ${open.toLocaleString()} open tickets`,
    await evaluate(rows, memory, async (k, e, cells, leaves) => memory.add(k, e, cells, leaves), coarse),
  );

  if (dynamoSize > 0) {
    const dynamo = await startDynamoLocal();
    try {
      const tableName = `bench-dedup-${randomBytes(3).toString("hex")}`;
      await ensureTable(dynamo.endpoint, tableName);
      const clients = createClients({
        region: "us-east-1",
        tableName,
        queueUrlBase: "http://unused",
        queuePrefix: "unused",
        dynamoEndpoint: dynamo.endpoint,
        // Loading 100,000 items keeps DynamoDB Local busy (GC pauses): a batch may take longer than the 3 s a
        // request may take in the product; the checks themselves are timed, not limited.
        limits: { dynamoRequestTimeout: 30_000 },
      });
      const store = new DynamoTicketStore(clients.doc, tableName);
      /** BatchWrite in batches of 25, `parallel` at a time, retrying what comes back unprocessed. */
      const put = async (items: Record<string, unknown>[], parallel = 1) => {
        let next = 0;
        const worker = async () => {
          while (next < items.length) {
            const batch = items.slice(next, next + 25);
            next += 25;
            let request = { [tableName]: batch.map((Item) => ({ PutRequest: { Item } })) };
            for (let attempt = 0; request[tableName]?.length; attempt++) {
              const out = await clients.doc.send(new BatchWriteCommand({ RequestItems: request }));
              request = (out.UnprocessedItems ?? {}) as typeof request;
              if (request[tableName]?.length)
                await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
            }
          }
        };
        await Promise.all(Array.from({ length: parallel }, worker));
      };
      const ticketOf = (
        id: string,
        title: string,
        signature: string,
        dedupKey: string,
        createdAt: string,
        dedupCells: string[] = [],
        dedupLeaves: string[] = [],
      ) =>
        ({
          id,
          ticketNo: id,
          title,
          status: "dispatched",
          createdAt,
          updatedAt: createdAt,
          dueAt: null,
          department: null,
          dispatchPending: false,
          location: { address: "-" },
          reporter: { anonymous: true },
          categoryId: null,
          textSignature: signature,
          dedupKey,
          ...(dedupCells.length ? { dedupCells } : {}),
          ...(dedupLeaves.length ? { dedupLeaves } : {}),
          history: [],
        }) as unknown as Ticket;
      const l0 = performance.now();
      await put(
        synth.slice(0, dynamoSize).flatMap((s) => {
          const t = ticketOf(s.id, s.title, s.signature, s.key, ALWAYS_RECENT);
          // the META item and its repeat index entry, as the create transaction writes them
          return [ticketItem(t, PHONE_KEY), ...dedupEntryItems(t)];
        }),
        8,
      );
      console.log(
        `\nloaded ${dynamoSize.toLocaleString()} tickets into DynamoDB Local in ${((performance.now() - l0) / 1000).toFixed(0)} s (BatchWrite, 8 in parallel)`,
      );
      print(
        `DynamoDB Local (GSI8), ${dynamoSize.toLocaleString()} open tickets`,
        await evaluate(
          rows,
          store,
          async (k, e, cells, leaves, sig) => {
            const t = ticketOf(e.ticketId, e.title ?? "", sig, k, e.createdAt, cells, leaves);
            await put([ticketItem(t, PHONE_KEY), ...dedupEntryItems(t)]);
          },
          coarse,
        ),
      );
    } finally {
      await dynamo.stop();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
