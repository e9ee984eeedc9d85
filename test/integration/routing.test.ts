import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients } from "../../shared/adapters/aws.js";
import { superviseDeadlines } from "../../shared/closure/sweep.js";
import type { DedupEntry } from "../../shared/ports.js";
import { sweepPending } from "../../shared/services/delivery.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

/**
 * Routing through the HTTP API on the embedded stand-ins: area from point and address, the item list's most
 * specific rule, co-handling (协办), small matters (小事一格解决), returns (退单) with reason codes, escalation to
 * joint handling (联合处置) and repeat merging (重复工单).
 */

// The demo city's lattice (scripts/city/generate.ts): cells 0.006° × 0.005° from (120.119, 30.24).
const LNG0 = 120.119;
const LAT0 = 30.24;
const at = (col: number, row: number) => ({ lng: LNG0 + col * 0.006, lat: LAT0 + row * 0.005 });

let sys: TestSystem;
let phone = 13900002000;
const nextPhone = () => String(phone++);

async function file(body: Record<string, unknown>, s: TestSystem = sys) {
  const res = await s.call("POST", "/v1/tickets", {
    key: s.keys.operator,
    body: report({ reporter: { phone: nextPhone() }, ...body }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** The table's items of a ticket's partition (META, events, repeat index entries…), read directly. */
async function storedItems(id: string, s: TestSystem = sys) {
  const out = await createClients(s.settings).doc.send(
    new QueryCommand({
      TableName: s.settings.tableName,
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": `TICKET#${id}` },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

async function act(id: string, key: string, body: Record<string, unknown>, s: TestSystem = sys) {
  return s.call("POST", `/v1/tickets/${id}/actions`, { key, body });
}

const dept = (id: string, s: TestSystem = sys) => s.keys.departments[id]!;

async function inbox(target: string, key: string, s: TestSystem = sys) {
  const res = await s.call("GET", `/v1/departments/${target}/inbox?wait=2&max=10`, { key });
  expect(res.status).toBe(200);
  return res.body.items as any[];
}

/** Polls a queue until the ticket's message shows up (other tickets' messages may come first). */
async function findIn(target: string, key: string, ticketId: string, s: TestSystem = sys) {
  // Delivery runs off the table's stream, so a message may take a moment to arrive; what the stream poller
  // skipped (an expired iterator under load) the sweeper sends, as it does on a timer in npm start.
  for (let i = 0; i < 12; i++) {
    const hit = (await inbox(target, key, s)).find((item) => item.ticket.id === ticketId);
    if (hit) return hit;
    if (i % 3 === 2) await sweepPending(s.runtime.core, { graceSeconds: 0 });
  }
  return undefined;
}

/** Distinct text per report, so that nothing here looks like a repeat of anything else. */
let n = 0;
const text = (what: string) => {
  n++;
  return {
    title: `${what}（第${n}号）`,
    description: `${what}。编号${n}，${"甲乙丙丁戊己庚辛壬癸".slice(n % 10)}。`,
  };
};

beforeAll(async () => {
  sys = await startTestSystem("routing");
});
afterAll(async () => {
  await sys?.stop();
});

describe("area from the location", () => {
  it("a point resolves to its grid cell by polygon", async () => {
    const t = await file({ ...text("路面塌陷"), location: { address: "某处", ...at(0.5, 0.5) } });
    expect(t.location.area).toEqual({
      district: "xihu",
      street: "beishan",
      community: "baoshu",
      grid: "g01",
    });
    expect(t.location.areaSource).toBe("point");
  });

  it("either side of a cell border, and exactly on it (the cell whose path sorts first)", async () => {
    const west = await file({ ...text("井盖松动"), location: { address: "某处", ...at(0.9999, 0.1) } });
    const east = await file({ ...text("井盖松动"), location: { address: "某处", ...at(1.0001, 0.1) } });
    const on = await file({ ...text("井盖松动"), location: { address: "某处", ...at(1, 0.1) } });
    expect(west.location.area.grid).toBe("g01");
    expect(east.location.area.grid).toBe("g02");
    expect(on.location.area.grid).toBe("g01");
  });

  it("a dedicated grid wins over the basic cell under it", async () => {
    // 保俶路小学 straddles baoshu g01/g02; 人民路农贸市场 sits inside renmin g01 (dongcheng, column 4, row 0).
    const school = await file({ ...text("学校门口"), location: { address: "某处", ...at(1, 0.5) } });
    expect(school.location.area).toMatchObject({ community: "baoshu", grid: "school" });
    const market = await file({ ...text("菜场"), location: { address: "某处", ...at(4.5, 0.5) } });
    expect(market.location.area).toEqual({
      district: "dongcheng",
      street: "xinhua",
      community: "renmin",
      grid: "market",
    });
  });

  it("an address resolves by road, estate and place names", async () => {
    const road = await file({ ...text("路灯"), location: { address: "保俶路12号" } });
    expect(road.location.area).toEqual({ district: "xihu", street: "beishan", community: "baoshu" });
    expect(road.location.areaSource).toBe("address");
    // repeat merging is off in this system: no repeat-index entries, not even the report's own
    expect(road.dedupCells).toBeUndefined();
    expect((await storedItems(road.id)).map((i) => i.SK)).not.toContain("DEDUP");
    const estate = await file({ ...text("电梯"), location: { address: "东城区安乐家园3幢" } });
    expect(estate.location.area).toEqual({ district: "dongcheng", street: "heping", community: "anle" });
    const place = await file({ ...text("摊位"), location: { address: "人民路农贸市场东门" } });
    expect(place.location.area.grid).toBe("market");
    const none = await file({ ...text("别处"), location: { address: "不知道在哪" } });
    expect(none.location.areaSource).toBe("none");
  });

  it("a street given alone finds its district; unknown ids are refused naming the field", async () => {
    const t = await file({ ...text("小区"), location: { address: "某处", area: { street: "xinhua" } } });
    expect(t.location.area).toMatchObject({ district: "dongcheng", street: "xinhua" });
    expect(t.location.areaSource).toBe("given");
    for (const [area, field] of [
      [{ district: "nowhere" }, "location.area.district"],
      [{ district: "xihu", street: "xinhua" }, "location.area.street"],
      [{ district: "xihu", street: "beishan", community: "baoshu", grid: "g99" }, "location.area.grid"],
    ] as const) {
      const res = await sys.call("POST", "/v1/tickets", {
        key: sys.keys.operator,
        body: report({ ...text("错"), location: { address: "某处", area } }),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });
});

describe("the item list: most specific rule, co-handling, small matters", () => {
  it("the most specific area's rule wins, down to a dedicated grid", async () => {
    const inMarket = await file({
      ...text("商户短斤缺两"),
      categoryId: "consumer-rights",
      location: { address: "某处", ...at(4.5, 0.5) },
    });
    expect(inMarket.department).toBe("market");
    expect(inMarket.coHandlers.map((c: any) => c.department)).toEqual(["dongcheng-xinhua"]);
    const elsewhere = await file({
      ...text("商户短斤缺两"),
      categoryId: "consumer-rights",
      location: { address: "某处", ...at(4.5, 1.5) },
    });
    expect(elsewhere.department).toBe("market");
    expect(elsewhere.coHandlers ?? []).toEqual([]);
    const street = await file({
      ...text("物业不作为"),
      categoryId: "property-management",
      location: { address: "西湖区北山街道" },
    });
    expect(street.department).toBe("xihu-beishan");
  });

  it("小事一格解决: a small matter placed in a grid goes to that grid's street office", async () => {
    const inGrid = await file({
      ...text("垃圾桶满了"),
      categoryId: "sanitation",
      location: { address: "某处", ...at(8.5, 0.5) },
    });
    expect(inGrid.location.area.street).toBe("changhe");
    expect(inGrid.department).toBe("gaoxin-changhe");
    const urgent = await file({
      ...text("垃圾桶满了"),
      categoryId: "sanitation",
      urgency: "urgent",
      location: { address: "某处", ...at(8.5, 0.5) },
    });
    expect(urgent.department).toBe("chengguan");
  });

  it("co-handling: the ticket resolves only when the lead resolves and every co-handler has reported", async () => {
    const t = await file({ ...text("车停在草坪上"), categoryId: "parking-on-greenery" });
    expect(t.department).toBe("traffic-police");
    expect(t.coHandlers).toMatchObject([{ department: "greening", status: "dispatched" }]);
    // 园林绿化 sees it in its own queue, as a co-handler, with its own deadline (3 working days ≤ the ticket's).
    const mine = await findIn("greening", dept("greening"), t.id);
    expect(mine?.as).toBe("co-handler");
    expect(t.coHandlers[0].dueAt <= t.dueAt).toBe(true);

    expect((await act(t.id, dept("traffic-police"), { action: "accept" })).status).toBe(200);
    const early = await act(t.id, dept("traffic-police"), { action: "resolve", result: "已拖离" });
    expect(early.status).toBe(422);
    // a co-handler cannot act as lead, nor report before accepting
    expect((await act(t.id, dept("greening"), { action: "resolve", result: "x" })).status).toBe(403);
    expect((await act(t.id, dept("greening"), { action: "co-report", result: "x" })).status).toBe(422);
    expect((await act(t.id, dept("water"), { action: "co-accept" })).status).toBe(403);
    const accepted = await act(t.id, dept("greening"), { action: "co-accept", leaseToken: mine.leaseToken });
    expect(accepted.status).toBe(200);
    const reported = await act(t.id, dept("greening"), { action: "co-report", result: "草坪已补种" });
    expect(reported.body.coHandlers[0]).toMatchObject({ status: "reported", result: "草坪已补种" });
    const done = await act(t.id, dept("traffic-police"), { action: "resolve", result: "已拖离并处罚" });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("resolved");
  });
});

describe("returns (退单) and escalation (联合处置)", () => {
  it("every reason code, with what each must name", async () => {
    const t = await file({ ...text("雨水井堵塞"), categoryId: "drainage" });
    expect(t.department).toBe("water");
    const w = dept("water");
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await act(t.id, w, { action: "return", ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    };
    await bad({ code: "not_ours", reason: "不归我们" }, "department");
    await bad({ code: "not_ours", reason: "不归我们", department: "nobody" }, "department");
    await bad({ code: "not_ours", reason: "不归我们", department: "water" }, "department");
    await bad({ code: "duplicate", reason: "重复" }, "duplicateOf");
    await bad({ code: "duplicate", reason: "重复", duplicateOf: "no-such-ticket" }, "duplicateOf");
    await bad({ code: "other" }, "reason");
    await bad({ code: "maybe", reason: "x" }, "code");
    const unchanged = await sys.call("GET", `/v1/tickets/${t.id}`, { key: sys.keys.dispatcher });
    expect(unchanged.body.status).toBe("dispatched");

    const info = await act(t.id, w, { action: "return", code: "need_info", reason: "地址不详，请补充" });
    expect(info.body.status).toBe("triage");
    expect(info.body.returns).toMatchObject([{ department: "water", code: "need_info", wrong: null }]);
    // the dispatcher cannot send it back to the department that returned it
    const back = await act(t.id, sys.keys.dispatcher, { action: "assign", department: "water" });
    expect(back.status).toBe(400);
    expect(back.body.error.field).toBe("department");

    const other = await file({ ...text("排水沟异味"), categoryId: "drainage" });
    const dup = await act(other.id, w, {
      action: "return",
      code: "duplicate",
      reason: "与前单重复",
      duplicateOf: t.id,
    });
    expect(dup.body.returns[0]).toMatchObject({ code: "duplicate", duplicateOf: t.id });
    const third = await file({ ...text("窨井"), categoryId: "drainage" });
    const misc = await act(third.id, w, { action: "return", code: "other", reason: "系统误派" });
    expect(misc.body.returns[0]).toMatchObject({ code: "other", note: "系统误派" });
  });

  it("not_ours goes straight to the named department once, then a second return escalates to joint handling", async () => {
    const t = await file({ ...text("车辆占道"), categoryId: "road-facility" });
    expect(t.department).toBe("transport");
    const first = await act(t.id, dept("transport"), {
      action: "return",
      code: "not_ours",
      reason: "违停归交警",
      department: "traffic-police",
    });
    expect(first.body.status).toBe("dispatched");
    expect(first.body.department).toBe("traffic-police");
    expect(first.body.forwardedAt).toBeTruthy();
    // the named department cannot name the one that already returned it
    const pingPong = await act(t.id, dept("traffic-police"), {
      action: "return",
      code: "not_ours",
      reason: "归交通",
      department: "transport",
    });
    expect(pingPong.status).toBe(400);
    const second = await act(t.id, dept("traffic-police"), {
      action: "return",
      code: "not_ours",
      reason: "占的是绿地，归园林",
      department: "greening",
    });
    expect(second.body.status).toBe("triage");
    expect(second.body.returnCount).toBe(2);
    expect(second.body.escalatedAt).toBeTruthy();
    const escalate = second.body.history.find((e: any) => e.type === "escalate");
    expect(escalate.data).toEqual({ reason: "returns" });

    // triage shows the suggestion, the return history and the suggested department
    const item = await findIn("triage", sys.keys.dispatcher, t.id);
    expect(item.triage).toMatchObject({
      suggestedDepartment: "greening",
      escalated: true,
      jointHandling: ["transport", "traffic-police"],
    });
    expect(item.triage.returns.map((r: any) => r.department)).toEqual(["transport", "traffic-police"]);

    // joint handling: the dispatcher picks a lead; the departments involved co-handle; all get the ticket
    const joint = await act(t.id, sys.keys.dispatcher, { action: "assign", department: "greening" });
    expect(joint.status).toBe(200);
    expect(joint.body.department).toBe("greening");
    expect(joint.body.coHandlers.map((c: any) => c.department).sort()).toEqual([
      "traffic-police",
      "transport",
    ]);
    for (const d of ["greening", "transport", "traffic-police"]) {
      expect(await findIn(d, dept(d), t.id), d).toBeDefined();
    }

    // a return later judged wrong by the dispatcher is marked so
    const seq = joint.body.returns[0].seq;
    const judged = await act(t.id, sys.keys.dispatcher, {
      action: "judge-return",
      seq,
      wrong: true,
      note: "确属交通",
    });
    expect(judged.body.returns[0].wrong).toBe(true);
    expect(judged.body.returns[1].wrong).toBeNull();
  });
});

describe("repeat merging (重复工单)", () => {
  let dd: TestSystem;
  beforeAll(async () => {
    const config = defaultConfig();
    config.dedup.enabled = true;
    dd = await startTestSystem("dedup", config);
  });
  afterAll(async () => {
    await dd?.stop();
  });

  it("a near-identical report is merged automatically; a similar one is flagged; unmerge restores a child", async () => {
    const parent = await file({ categoryId: "drainage" }, dd);
    expect(parent.status, JSON.stringify(parent.history)).toBe("dispatched");
    const repeat = await file({ categoryId: "drainage" }, dd);
    expect(repeat.status).toBe("merged");
    expect(repeat.parentId).toBe(parent.id);

    const similar = await file(
      {
        categoryId: "drainage",
        title: "人民路小区门口污水井冒水",
        description: "人民路小区门口的污水井一直在冒水，已经三天了，路面到处是污水，麻烦尽快派人处理。",
      },
      dd,
    );
    expect(similar.status).toBe("triage");
    expect(similar.duplicateCandidates[0]).toMatchObject({ ticketId: parent.id, ticketNo: parent.ticketNo });
    const kept = await act(similar.id, dd.keys.dispatcher, { action: "keep-separate" }, dd);
    expect(kept.body.status).toBe("dispatched");
    expect(kept.body.department).toBe("water");
    expect(kept.body.duplicateCandidates).toEqual([]);

    const different = await file(
      {
        title: "路灯不亮",
        description: "和平街道安乐路的路灯坏了一个星期，晚上很黑。",
        location: { address: "东城区和平街道安乐路" },
      },
      dd,
    );
    expect(different.status).toBe("dispatched");

    const restored = await act(
      repeat.id,
      dd.keys.dispatcher,
      { action: "unmerge", note: "不是同一个井" },
      dd,
    );
    expect(restored.status).toBe(200);
    expect(restored.body.status).toBe("dispatched");
    expect(restored.body.parentId).toBeNull();
    expect(restored.body.department).toBe("water");
  });

  it("a flagged ticket can be merged by the dispatcher", async () => {
    const parent = await file(
      {
        title: "公交站台顶棚破损漏雨",
        description: "迎宾大道公交站台的顶棚破了一个大洞，下雨天等车的人全被淋湿。",
      },
      dd,
    );
    const similar = await file(
      {
        title: "迎宾大道公交站台顶棚漏雨",
        description: "迎宾大道公交站台顶棚破了个大洞，下雨天等车的人都被淋湿了。",
      },
      dd,
    );
    expect(["triage", "merged"]).toContain(similar.status);
    if (similar.status === "triage") {
      const merged = await act(similar.id, dd.keys.dispatcher, { action: "merge", parentId: parent.id }, dd);
      expect(merged.body.status).toBe("merged");
    }
    const child = await dd.call("GET", `/v1/tickets/${similar.id}`, { key: dd.keys.dispatcher });
    expect(child.body.parentId).toBe(parent.id);
  });

  it("an automatic merge into a parent closed meanwhile (a stale index entry) files the report as its own ticket", async () => {
    const core = dd.runtime.core;
    const index = core.dedup!;
    let seen: DedupEntry[] = [];
    let stale = false;
    core.dedup = {
      dedupCandidates: async (q) => {
        const found = await index.dedupCandidates(q);
        if (!stale) seen = found;
        return stale ? [...found, ...seen] : found;
      },
    };
    try {
      const words = {
        title: "桥洞下积水没过脚踝",
        description: "东桥桥洞下面积水没过脚踝，行人只能绕行，请排水。",
      };
      const parent = await file({ categoryId: "drainage", ...words }, dd);
      expect(parent.status).toBe("dispatched");
      const child = await file({ categoryId: "drainage", ...words }, dd);
      expect(child).toMatchObject({ status: "merged", parentId: parent.id });
      expect(seen.map((e) => e.ticketId)).toContain(parent.id);
      // the parent is handled and closed; the index (as a lagging replica could) still offers it
      const water = dept("water", dd);
      await act(parent.id, water, { action: "accept" }, dd);
      await act(parent.id, water, { action: "resolve", result: "已抽排" }, dd);
      const closed = await act(parent.id, dd.keys.dispatcher, { action: "verify", passed: true }, dd);
      expect(closed.body.status).toBe("closed");
      stale = true;
      const late = await file({ categoryId: "drainage", ...words }, dd);
      expect(late).toMatchObject({ status: "dispatched", parentId: null, department: "water" });
      const after = await dd.call("GET", `/v1/tickets/${parent.id}`, { key: dd.keys.dispatcher });
      expect(after.body.status).toBe("closed");
      expect(after.body.mergedChildren ?? 0).toBe(closed.body.mergedChildren ?? 0);
    } finally {
      core.dedup = index;
    }
  });
});

describe("repeat partitions: grid cell, then community, street, district, city (重复工单)", () => {
  let rp: TestSystem;
  beforeAll(async () => {
    const config = defaultConfig();
    config.dedup.enabled = true;
    rp = await startTestSystem("repeat-partitions", config);
  });
  afterAll(async () => {
    await rp?.stop();
  });

  /** Problems written for these tests, each unlike the others (filed as drainage: top category 城建). */
  const PROBLEMS: Record<string, [string, string]> = {
    a: ["雨水井盖板碎裂下陷", "雨水井盖板碎了一半，往下陷了十几厘米，晚上骑车很容易摔倒，请尽快派人更换。"],
    b: ["化粪池满溢臭气熏天", "楼后化粪池满了往外溢，臭味整栋楼都能闻到，夏天苍蝇成群，希望马上抽排。"],
    c: ["排水沟被建筑垃圾填死", "工地把建筑垃圾倒进路边排水沟，沟已经完全填平，一下雨就漫到人行道上。"],
    d: ["地下管网破裂路面返水", "路面裂缝里不停往上返水，应该是下面的管网破了，水流到马路中间结了薄冰。"],
    e: ["下水道返臭影响开窗", "小区下水道口一直返臭，住户家里都不敢开窗，已经持续两个星期没有好转。"],
    f: ["雨后积水没过脚踝", "每次下雨这里的积水都没过脚踝，老人小孩过不去，排水口好像被树叶堵住了。"],
    g: ["污水管堵塞商户倒灌", "沿街商铺的污水管堵了，污水从地漏倒灌进店里，生意都没法做，请疏通。"],
    h: ["窨井冒出黑色污水", "路口窨井冒出黑色污水流了一地，味道刺鼻，过往行人都绕着走。"],
    i: ["雨污管道混接河道发黑", "小河边的雨污管道接错了，生活污水直接排进河里，河水发黑发臭。"],
    j: ["检查井盖缺失无人围挡", "人行道上的检查井盖子不见了，只剩一个黑洞，也没有任何围挡或警示牌。"],
    k: ["泵站停转低洼处被淹", "附近排涝泵站停转了，低洼处的车库已经被淹，积水还在上涨，请尽快恢复抽水。"],
    l: ["小区门口管道爆裂喷水", "小区门口地下的管道爆了，水柱喷起一米多高，路面全是水，车都开不过去。"],
    m: ["盖板松动车过哐当响", "路中间那块盖板松了，每过一辆车就哐当一声，半夜吵得人睡不着，还怕掉下去。"],
    n: [
      "井口塌陷围挡被风吹倒",
      "人行道上井口周围塌下去一圈，施工围挡也被大风吹倒了，路过的人得绕到机动车道上。",
    ],
  };
  const problem = (what: string) => {
    const [title, description] = PROBLEMS[what]!;
    return { categoryId: "drainage", title, description };
  };
  const fileAt = (what: string, location: Record<string, unknown>, categoryId = "drainage") =>
    file({ ...problem(what), categoryId, location: { address: "某处", ...location } }, rp);
  const area = (grid?: string) => ({
    area: { district: "xihu", street: "beishan", community: "baoshu", ...(grid ? { grid } : {}) },
  });

  it("two reports of one problem in one grid cell merge", async () => {
    const first = await fileAt("a", at(0.3, 0.3));
    expect(first.dedupKey).toBe("xihu/beishan/baoshu/g01#urban-construction#drainage");
    const second = await fileAt("a", at(0.35, 0.3));
    expect(second.status).toBe("merged");
    expect(second.parentId).toBe(first.id);
  });

  it("the same text in two different grid cells does not merge, even without points to tell them apart", async () => {
    const a = await fileAt("b", area("g01"));
    const b = await fileAt("b", area("g04"));
    expect(a.status).toBe("dispatched");
    expect(b.status).toBe("dispatched");
    expect(b.duplicateCandidates ?? []).toEqual([]);
    // neighbours across a cell border (60 m apart) are two partitions too: the cost of the finer partition
    const west = await fileAt("c", at(7.95, 2.5));
    const east = await fileAt("c", at(8.05, 2.5));
    expect(west.location.area.grid).not.toBe(east.location.area.grid);
    expect(east.status).not.toBe("merged");
  });

  it("a report in a dedicated grid meets one just outside it: both count in the basic cell under their points", async () => {
    const inMarket = await fileAt("d", at(4.5, 0.5));
    expect(inMarket.location.area.grid).toBe("market");
    const outside = await fileAt("d", at(4.15, 0.5));
    expect(outside.location.area.grid).toBe("g01");
    expect(outside.status).toBe("merged");
    expect(outside.parentId).toBe(inMarket.id);
  });

  it("a report placed only to its community and one placed to a cell of it meet, whichever comes first", async () => {
    const grid = await fileAt("e", area("g02"));
    const community = await fileAt("e", area());
    expect(community.dedupKey).toBe("xihu/beishan/baoshu/-#urban-construction#drainage");
    expect(community.status).toBe("merged");
    expect(community.parentId).toBe(grid.id);

    // the reverse order: the community-only report is indexed under each of its community's cells too
    const earlier = await fileAt("f", area());
    expect(earlier.dedupCells).toEqual(["baoshu/g01", "baoshu/g02", "baoshu/g03", "baoshu/g04"]);
    const later = await fileAt("f", area("g03"));
    expect(earlier.status).toBe("dispatched");
    expect(later.status).toBe("merged");
    expect(later.parentId).toBe(earlier.id);
  });

  it("a community-only report that is no longer open is no candidate in its cells any more", async () => {
    const first = await fileAt("j", { area: { district: "xihu", street: "beishan", community: "shuguang" } });
    expect(first.status).toBe("dispatched");
    const returned = await act(
      first.id,
      dept(first.department, rp),
      { action: "return", code: "other", reason: "不在本单位职责" },
      rp,
    );
    expect(returned.body.status, JSON.stringify(returned.body)).toBe("triage");
    const rejected = await act(
      first.id,
      rp.keys.dispatcher,
      { action: "reject", reason: "重复诉求已另案处理" },
      rp,
    );
    expect(rejected.body.status).toBe("rejected");
    const later = await fileAt("j", {
      area: { district: "xihu", street: "beishan", community: "shuguang", grid: "g02" },
    });
    expect(later.status).toBe("dispatched");
    expect(later.duplicateCandidates ?? []).toEqual([]);
  });

  it("a ticket's repeat index entry is a small item of its own (not the META item), gone once it is no longer open", async () => {
    const items = (id: string) => storedItems(id, rp);
    const first = await fileAt("k", area("g04"));
    expect(first.status).toBe("dispatched");
    const stored = await items(first.id);
    const meta = stored.find((i) => i.SK === "META");
    expect(meta?.GSI8PK).toBeUndefined();
    const entry = stored.find((i) => i.SK === "DEDUP");
    expect(entry).toMatchObject({
      GSI8PK: "DEDUP#xihu/beishan#urban-construction",
      GSI8SK: `baoshu#g04#drainage#${first.createdAt}#${first.id}`,
      ddNo: first.ticketNo,
    });
    // the signature's index copy: 8 bits of each of the title's and the text's 64 positions, Binary
    expect(entry?.ddSig).toBeInstanceOf(Uint8Array);
    expect(entry?.ddSig).toHaveLength(128);
    // nothing but the keys and what a check reads (and its expiry): no copy of the ticket
    expect(Object.keys(entry ?? {}).sort()).toEqual(
      ["GSI8PK", "GSI8SK", "PK", "SK", "ddNo", "ddSig", "entity", "expiresAt"].sort(),
    );

    await act(
      first.id,
      dept(first.department, rp),
      { action: "return", code: "other", reason: "非本单位" },
      rp,
    );
    const rejected = await act(first.id, rp.keys.dispatcher, { action: "reject", reason: "已另案处理" }, rp);
    expect(rejected.body.status).toBe("rejected");
    expect((await items(first.id)).map((i) => i.SK)).not.toContain("DEDUP");
    const later = await fileAt("k", area("g04"));
    expect(later.status).toBe("dispatched");
    expect(later.duplicateCandidates ?? []).toEqual([]);
  });

  it("street, district and city-wide fallbacks: reports of one level meet; a street check sees the street's grids", async () => {
    const onStreet = { area: { district: "xihu", street: "lingyin" } };
    const s1 = await fileAt("g", onStreet);
    expect(s1.dedupKey).toBe("xihu/lingyin/-/-#urban-construction#drainage");
    const s2 = await fileAt("g", onStreet);
    expect(s2.parentId).toBe(s1.id);

    const inGrid = await fileAt("h", {
      area: { district: "xihu", street: "lingyin", community: "yuquan", grid: "g01" },
    });
    const streetOnly = await fileAt("h", onStreet);
    expect(streetOnly.parentId).toBe(inGrid.id);

    const d1 = await fileAt("i", { area: { district: "xihu" } });
    expect(d1.dedupKey).toBe("xihu/-/-/-#urban-construction#drainage");
    const d2 = await fileAt("i", { area: { district: "xihu" } });
    expect(d2.parentId).toBe(d1.id);

    const c1 = await file({ ...problem("a"), location: { address: "说不清楚的地方" } }, rp);
    expect(c1.location.areaSource).toBe("none");
    expect(c1.dedupKey).toBe("-/-/-/-#urban-construction#drainage");
    const c2 = await file({ ...problem("a"), location: { address: "说不清楚的地方" } }, rp);
    expect(c2.parentId).toBe(c1.id);
  });

  it("in a grid cell a check reads its category's entries; a report known only to its top category meets every category below it, either way", async () => {
    const top = "urban-construction";
    // the top-only report first: indexed under each category below its top in its cell (DEDUPLEAF items)
    const unsure = await fileAt("l", area("g03"), top);
    expect(unsure.dedupKey).toBe(`xihu/beishan/baoshu/g03#${top}`);
    expect(unsure.dedupLeaves).toContain("drainage");
    const leafItems = (await storedItems(unsure.id, rp)).filter((i) => String(i.SK).startsWith("DEDUPLEAF#"));
    expect(leafItems.map((i) => i.SK)).toContain("DEDUPLEAF#drainage");
    expect(leafItems).toHaveLength(unsure.dedupLeaves.length);
    expect(leafItems.find((i) => i.SK === "DEDUPLEAF#drainage")?.GSI8SK).toBe(
      `baoshu#g03#drainage#${unsure.createdAt}#${unsure.id}`,
    );
    const sure = await fileAt("l", area("g03"));
    expect(sure).toMatchObject({ status: "merged", parentId: unsure.id });

    // the category report first: a later top-only check reads every category of its cell
    const drainage = await fileAt("m", area("g03"));
    expect(drainage.dedupKey).toBe(`xihu/beishan/baoshu/g03#${top}#drainage`);
    const later = await fileAt("m", area("g03"), top);
    expect(later).toMatchObject({ status: "merged", parentId: drainage.id });
  });

  it("two categories below one top in one cell are two ranges: the same words filed as 排水 and as 井盖 do not meet", async () => {
    const asDrainage = await fileAt("n", area("g02"));
    expect(asDrainage.status).toBe("dispatched");
    const asManhole = await fileAt("n", area("g02"), "manhole");
    expect(asManhole.dedupKey).toBe("xihu/beishan/baoshu/g02#urban-construction#manhole");
    expect(asManhole.status).toBe("dispatched");
    expect(asManhole.duplicateCandidates ?? []).toEqual([]);
    // a report of the community (no cell) still reads every category of its top there
    const community = await fileAt("n", area(), "manhole");
    expect(community.status).toBe("merged");
    expect([asDrainage.id, asManhole.id]).toContain(community.parentId);
  });
});

describe("小事一格解决 to the grid worker (smallMatters.to: grid-worker) and the statistics (退单率)", () => {
  let gw: TestSystem;
  let grid: string;
  let worker: string;
  let neighbour: string;
  const office = "gaoxin-changhe";
  const spot = { address: "某处", ...at(8.5, 0.5) };
  const workList = async (key: string, query = "") => {
    const res = await gw.call("GET", `/v1/grids/mine/inbox${query}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const ids = (list: { items: { id: string }[] }) => list.items.map((i) => i.id);
  const small = async () => file({ ...text("垃圾桶满了"), categoryId: "sanitation", location: spot }, gw);

  beforeAll(async () => {
    const config = defaultConfig();
    config.smallMatters.to = "grid-worker";
    gw = await startTestSystem("gridwork", config);
    const { issueApiKey } = await import("../../shared/services/auth.js");
    const probe = await small();
    const a = probe.location.area;
    grid = `${a.district}/${a.street}/${a.community}/${a.grid}`;
    const issue = async (g: string, label: string) =>
      (await issueApiKey(gw.runtime.core.keys, { role: "grid-worker", grid: g, label })).key;
    worker = await issue(grid, "gw-worker");
    neighbour = await issue("xihu/beishan/baoshu/g01", "gw-neighbour");
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("a small matter reaches the grid's workers through their work list, with deadlines; the street office is answerable", async () => {
    const t = await small();
    expect(t).toMatchObject({ status: "dispatched", department: office, handlingGrid: grid });
    expect(t.dueAt).toBeTruthy();
    expect(t.acceptDueAt).toBeTruthy();
    expect(t.history.at(-1).data).toMatchObject({ department: office, grid });
    // no queue message for the office: its inbox never offers it, even after the sweeper re-sends what is owed
    await sweepPending(gw.runtime.core, { graceSeconds: 0 });
    expect((await gw.runtime.core.store.get(t.id))?.dispatchPending).toBe(false);
    const officeInbox = await inbox(office, dept(office, gw), gw);
    expect(officeInbox.map((i) => i.ticket.id)).not.toContain(t.id);

    const mine = await workList(worker);
    expect(mine.grid).toBe(grid);
    expect(ids(mine)).toContain(t.id);
    const item = mine.items.find((i: { id: string }) => i.id === t.id);
    expect(item).toMatchObject({ status: "dispatched", dueAt: t.dueAt, acceptDueAt: t.acceptDueAt });
    expect(item.reporter).toEqual({ anonymous: false }); // no contact for a grid worker
    expect(ids(await workList(neighbour))).not.toContain(t.id);
    const bad = await gw.call("GET", "/v1/grids/mine/inbox?status=closed", { key: worker });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("status");

    // only the grid's workers act; another grid's worker cannot tell it exists; the office may not step in midway
    expect((await act(t.id, neighbour, { action: "accept" }, gw)).status).toBe(404);
    expect((await act(t.id, dept(office, gw), { action: "progress", note: "x" }, gw)).status).toBe(403);
    expect((await act(t.id, worker, { action: "assign", department: "water" }, gw)).status).toBe(403);
    expect((await act(t.id, worker, { action: "accept" }, gw)).body.status).toBe("accepted");
    expect(ids(await workList(worker, "?status=accepted"))).toContain(t.id);
    expect((await act(t.id, worker, { action: "progress", note: "已联系保洁" }, gw)).status).toBe(200);
    const resolved = await act(t.id, worker, { action: "resolve", result: "已清运" }, gw);
    expect(resolved.body.status).toBe("resolved");

    // the same verification as any department ticket: a failed one sends it back to the grid
    const failed = await act(
      t.id,
      gw.keys.dispatcher,
      { action: "verify", passed: false, note: "还有垃圾" },
      gw,
    );
    expect(failed.body).toMatchObject({ status: "dispatched", handlingGrid: grid, department: office });
    expect(ids(await workList(worker))).toContain(t.id);
    await act(t.id, worker, { action: "accept" }, gw);
    await act(t.id, worker, { action: "resolve", result: "已全部清运" }, gw);
    const closed = await act(t.id, gw.keys.dispatcher, { action: "verify", passed: true }, gw);
    expect(closed.body.status).toBe("closed");
    expect(ids(await workList(worker))).not.toContain(t.id);
  });

  it("not small after all: handed up to the street office or to triage; the office may take one over", async () => {
    const up = await small();
    // its dispatch to the grid owes no queue message: the mark is gone before the hand-up, which must owe one
    await sweepPending(gw.runtime.core, { graceSeconds: 0 });
    expect((await gw.runtime.core.store.get(up.id))?.dispatchPending).toBe(false);
    const bad = await act(up.id, worker, { action: "hand-up", to: "nowhere", reason: "x" }, gw);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("to");
    expect((await act(up.id, worker, { action: "hand-up" }, gw)).body.error.field).toBe("reason");
    const toOffice = await act(up.id, worker, { action: "hand-up", reason: "需要清运车" }, gw);
    expect(toOffice.body).toMatchObject({ status: "dispatched", department: office, handlingGrid: null });
    expect(await findIn(office, dept(office, gw), up.id, gw)).toBeDefined();
    expect(ids(await workList(worker))).not.toContain(up.id);

    const tri = await small();
    const toTriage = await act(
      tri.id,
      worker,
      { action: "hand-up", to: "triage", reason: "涉及多个部门" },
      gw,
    );
    expect(toTriage.body).toMatchObject({ status: "triage", department: null, handlingGrid: null });

    const over = await small();
    const taken = await act(
      over.id,
      dept(office, gw),
      { action: "accept", note: "网格员休假，街道接手" },
      gw,
    );
    expect(taken.body).toMatchObject({ status: "accepted", department: office, handlingGrid: null });
    expect((await act(over.id, worker, { action: "progress", note: "x" }, gw)).status).toBe(403);
  });

  it("statistics per department and per grid: returns, returns judged wrong, the return rate; one query", async () => {
    const t = await file({ ...text("雨水井堵塞"), categoryId: "drainage" }, gw);
    expect(t.department).toBe("water");
    // a refused return counts nothing
    expect(
      (await act(t.id, dept("water", gw), { action: "return", code: "not_ours", reason: "x" }, gw)).status,
    ).toBe(400);
    const ret = await act(
      t.id,
      dept("water", gw),
      { action: "return", code: "need_info", reason: "地址不详" },
      gw,
    );
    expect(ret.body.status).toBe("triage");
    const seq = ret.body.returns[0].seq;
    const stats = async () => {
      const res = await gw.call("GET", "/v1/stats/departments", { key: gw.keys.dispatcher });
      expect(res.status).toBe(200);
      return res.body;
    };
    let water = (await stats()).departments.find((d: { department: string }) => d.department === "water");
    expect(water).toMatchObject({
      received: 1,
      returned: 1,
      returnedNeedInfo: 1,
      returnedWrong: 0,
      returnRate: 1,
    });
    await act(t.id, gw.keys.dispatcher, { action: "judge-return", seq, wrong: true }, gw);
    await act(t.id, gw.keys.dispatcher, { action: "judge-return", seq, wrong: true }, gw); // the same judgement again
    const body = await stats();
    water = body.departments.find((d: { department: string }) => d.department === "water");
    expect(water).toMatchObject({
      returned: 1,
      returnedWrong: 1,
      justifiedReturnRate: 0,
      wrongReturnRate: 1,
    });
    expect(body.totals.returned).toBeGreaterThanOrEqual(1);
    expect(body.month).toMatch(/^\d{4}-\d{2}$/);
    await act(t.id, gw.keys.dispatcher, { action: "judge-return", seq, wrong: false }, gw);
    water = (await stats()).departments.find((d: { department: string }) => d.department === "water");
    expect(water.returnedWrong).toBe(0);

    // the street office: received the one handed up; accepted the one it took over (its own small matters
    // handled by the grid count in the grid's row)
    const officeRow = (await stats()).departments.find(
      (d: { department: string }) => d.department === office,
    );
    expect(officeRow).toMatchObject({ received: 1, accepted: 1 });

    const grids = await gw.call("GET", "/v1/stats/grids", { key: gw.keys.dispatcher });
    expect(grids.status).toBe(200);
    const row = grids.body.grids.find((g: { grid: string }) => g.grid === grid);
    // the probe + four small matters above, all filed in this grid cell and routed to its workers
    expect(row).toMatchObject({
      filed: 5,
      assigned: 5,
      accepted: 2,
      resolved: 2,
      resolvedOnTime: 2,
      handedUp: 2,
      takenOver: 1,
    });
    const refused = await gw.call("GET", "/v1/stats/grids?month=2026-13", { key: gw.keys.dispatcher });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe("month");
  });

  it("a small matter nobody in the grid accepts in time goes up to the street office at the sweep", async () => {
    const t = await small();
    expect(t.handlingGrid).toBe(grid);
    const core = gw.runtime.core;
    const clock = core.clock;
    try {
      // before the accept deadline the sweep leaves it with the grid
      await superviseDeadlines(core, new Date(Date.parse(t.acceptDueAt) - 60_000));
      expect((await core.store.get(t.id))?.handlingGrid).toBe(grid);
      const late = new Date(Date.parse(t.acceptDueAt) + 60_000);
      core.clock = { now: () => late };
      await superviseDeadlines(core, late);
      await superviseDeadlines(core, late); // a second sweep at the same moment changes nothing more
    } finally {
      core.clock = clock;
    }
    const after = (await gw.call("GET", `/v1/tickets/${t.id}`, { key: gw.keys.dispatcher })).body;
    expect(after).toMatchObject({ status: "dispatched", department: office, handlingGrid: null });
    expect(Date.parse(after.acceptDueAt)).toBeGreaterThan(Date.parse(t.acceptDueAt));
    expect(after.supervision.accept).toBe("none");
    const handUps = after.history.filter((e: { type: string }) => e.type === "hand-up");
    expect(handUps).toHaveLength(1);
    expect(handUps[0]).toMatchObject({ actor: "system", data: { grid, to: "street-office" } });
    expect(after.history.map((e: { type: string }) => e.type)).toContain("urge");
    expect(ids(await workList(worker))).not.toContain(t.id);
    expect(await findIn(office, dept(office, gw), t.id, gw)).toBeDefined();
    // the street office now handles it as its own
    expect((await act(t.id, dept(office, gw), { action: "accept" }, gw)).body.status).toBe("accepted");
  });
});
