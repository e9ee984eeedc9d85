import type { EventEmitter } from "node:events";
import { FileBox } from "file-box";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { types } from "wechaty";
import { mock, PuppetMock } from "wechaty-puppet-mock";
import { createWechatBot, type WechatBot } from "../../shared/channels/wechat/bot.js";
import { createLogger } from "../../shared/log.js";
import { heldBy, startTestSystem, type TestSystem } from "../support/system.js";
import { TICKET_NO } from "../support/wechat.js";

let system: TestSystem;
const running: WechatBot[] = [];

/** The system's own log, shown when a test fails (it is quiet otherwise). */
const systemLog: string[] = [];
beforeAll(async () => {
  system = await startTestSystem("wechat-bot", undefined, {
    log: createLogger({}, (line) => systemLog.push(line), "debug"),
  });
});
afterEach(async () => {
  // Always stop the bots (the mock puppet keeps timers otherwise).
  for (const bot of running.splice(0)) await bot.stop();
});
afterAll(async () => {
  await system?.stop();
});

/** A bot on a fresh mock puppet, logged in as the city's account, and a resident who talks to it. */
const botLog: string[] = [];
async function startBot(residentId?: string) {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const bot = createWechatBot({
    puppet,
    apiBaseUrl: system.baseUrl,
    apiKey: system.keys["channel:wechat"],
    outboxWaitSeconds: 1,
    log: {
      log: (level: string, msg: string, fields?: Record<string, unknown>) => {
        botLog.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
      },
      child() {
        return this;
      },
    } as never,
  });
  running.push(bot);
  await bot.start();
  const account = mocker.createContact({ name: "12345热线" });
  mocker.login(account);
  const resident = mocker.createContact({
    name: "居民",
    ...(residentId ? { id: residentId } : {}),
  });
  const heard: string[] = [];
  // A contact's listener also fires for what it sent itself: keep only what the bot said.
  // (ContactMock is an event emitter; its typings do not say so.)
  (resident as unknown as EventEmitter).on(
    "message",
    (m: { talker(): { id: string }; text(): string | undefined }) => {
      if (m.talker().id === account.id) heard.push(m.text() ?? "");
    },
  );
  /** Sends and waits for `replies` more messages from the bot. */
  const say = async (what: string | ReturnType<typeof FileBox.fromBase64>, replies = 1) => {
    const before = heard.length;
    resident.say(what).to(account);
    await expect.poll(() => heard.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + replies);
    return heard.slice(before).join("\n");
  };
  const sayLocation = async () => {
    const before = heard.length;
    const msg = mocker.MessageMock.create({
      id: `loc-${Math.random().toString(36).slice(2)}`,
      talkerId: resident.id,
      listenerId: account.id,
      timestamp: Date.now(),
      type: types.Message.Location,
    } as never);
    puppet.emit("message", { messageId: msg.id });
    await expect.poll(() => heard.length, { timeout: 10_000 }).toBeGreaterThan(before);
    return heard.slice(before).join("\n");
  };
  return { bot, mocker, puppet, account, resident, heard, say, sayLocation };
}

const ownTickets = (contactId: string) =>
  system.runtime.core.store.listByChannelUser("wechat", `bot:${contactId}`, 20);

describe("the WeChat bot on the mock puppet", () => {
  it("files a report made in several messages, with a photo and a shared location", async () => {
    const t = await startBot();
    expect(await t.say("垃圾桶满了好几天没人清理，味道很大")).toContain("地点");
    // The mock only carries base64/URL FileBoxes (FileBox.toJSON); a few bytes stand in for the picture.
    const photo = FileBox.fromBase64(Buffer.from("photo bytes of a full bin").toString("base64"), "bin.jpg");
    expect(await t.say(photo)).toContain("照片");
    const summary = await t.sayLocation();
    expect(summary).toContain("请确认");
    expect(summary).toContain("成府路45号");
    expect(summary).toContain("照片：1 张");
    const filed = await t.say("确认");
    const no = TICKET_NO.exec(filed)?.[0];
    expect(no).toBeDefined();
    const [ticket] = await ownTickets(t.resident.id);
    expect(ticket).toMatchObject({
      ticketNo: no,
      channel: "wechat",
      reporter: { channelUserId: `bot:${t.resident.id}` },
      location: { lat: expect.closeTo(39.995, 2), lng: expect.closeTo(116.334, 2) },
    });
    expect(ticket!.attachments).toHaveLength(1);
    // Kept through the API's upload path (the web form's presigned PUT): the API's store has it.
    const ref = ticket!.attachments[0]!.ref;
    expect(await system.runtime.core.uploads!.exists(ref)).toBe(true);
    // No internal id in what the resident read.
    expect(t.heard.join("\n")).not.toContain(ticket!.id);
  });

  it("files a one-message report after the confirmation, never before", async () => {
    const t = await startBot();
    const summary = await t.say("东城区新华街道人民路88号门口的井盖丢了，很危险");
    expect(summary).toContain("请确认");
    expect(await ownTickets(t.resident.id)).toHaveLength(0);
    expect(await t.say("1")).toMatch(TICKET_NO);
    expect(await ownTickets(t.resident.id)).toHaveLength(1);
  });

  it("answers status queries for one's own ticket only, and lists 我的工单", async () => {
    const a = await startBot();
    await a.say("东城区新华街道人民路12号路灯不亮已经一周了");
    const no = TICKET_NO.exec(await a.say("确认"))![0];
    const own = await a.say(`查询 ${no}`);
    expect(own).toContain(`工单 ${no}`);
    expect(own).not.toContain("没有找到");
    const mine = await a.say("我的工单");
    expect(mine).toContain(no);
    await a.bot.stop();
    running.splice(running.indexOf(a.bot), 1);

    const b = await startBot();
    expect(await b.say(`查询 ${no}`)).toContain(`没有找到您的工单 ${no}`);
    expect(await b.say("我的工单")).toContain("还没有");
  });

  it("never advances twice for a redelivered message and never files twice", async () => {
    const t = await startBot();
    await t.say("东城区新华街道人民路3号树枝快断了砸到人怎么办");
    const before = t.heard.length;
    t.resident.say("1").to(t.account);
    await expect.poll(() => t.heard.length, { timeout: 10_000 }).toBe(before + 1);
    const confirmId = [
      ...(
        t.mocker as unknown as { cacheMessagePayload: Map<string, { text?: string; talkerId: string }> }
      ).cacheMessagePayload.entries(),
    ]
      .filter(([, p]) => p.talkerId === t.resident.id && p.text === "1")
      .map(([id]) => id)
      .at(-1)!;
    // The platform delivers the same message again.
    t.puppet.emit("message", { messageId: confirmId });
    await expect.poll(() => t.heard.length, { timeout: 10_000 }).toBe(before + 2);
    expect(t.heard.at(-1)).toBe(t.heard.at(-2));
    expect(await ownTickets(t.resident.id)).toHaveLength(1);
    const record = await system.runtime.core.conversations!.get(`bot:${t.resident.id}`);
    expect((record!.state as { step: string }).step).toBe("idle");
  });

  it("answers nonsense, stickers and empty text helpfully and files nothing", async () => {
    const t = await startBot();
    for (const text of ["？？", "哈哈哈哈哈", "[微笑]", "   "]) {
      expect(await t.say(text)).toContain("反映问题");
    }
    expect(await ownTickets(t.resident.id)).toHaveLength(0);
    expect(await t.say("满意")).toContain("没有需要您评价");
  });

  it("keeps the conversation across a restart of the bot", async () => {
    const first = await startBot();
    const residentId = first.resident.id;
    expect(await first.say("健身器材坏了已经有人受伤")).toContain("地点");
    await first.bot.stop();
    running.splice(running.indexOf(first.bot), 1);

    const second = await startBot(residentId);
    expect(await second.say("东城区新华街道人民路小区")).toContain("请确认");
    expect(await second.say("确认")).toMatch(TICKET_NO);
    const [ticket] = await ownTickets(residentId);
    expect(ticket!.description).toContain("健身器材");
  });

  it("delivers a progress message to the contact through the outbox", async () => {
    const t = await startBot();
    await t.say("东城区新华街道人民路66号下水道堵了污水漫出来");
    const no = TICKET_NO.exec(await t.say("确认"))![0];
    const [ticket] = await ownTickets(t.resident.id);
    const department = await heldBy(system, ticket!);
    const before = t.heard.length;
    const accepted = await system.call("POST", `/v1/tickets/${ticket!.id}/actions`, {
      key: system.keys.departments[department],
      body: { action: "accept" },
    });
    expect(accepted.status).toBe(200);
    // A stopped bot's last long poll finished before stop() returned (shared/channels/wechat/bot.ts), so no
    // earlier test's bot holds this message hidden.
    try {
      await expect.poll(() => t.heard.slice(before).join("\n"), { timeout: 20_000 }).toContain(`工单 ${no}`);
    } catch (err) {
      // What the bot saw helps when this fails on a busy machine.
      const history = (await system.runtime.core.store.get(ticket!.id))?.history.map((e) => e.type);
      throw new Error(
        `${String(err)}\nhistory: ${history}\nbot log:\n${botLog.join("\n")}\nsystem log:\n${systemLog.slice(-80).join("\n")}`,
      );
    }
    expect(t.heard.slice(before).join("\n")).toContain("签收");
  }, 40_000);
});
