import { describe, expect, it } from "vitest";
import { maskText, seesContact, ticketView } from "../../../functions/lib/views.js";
import { newTicket, transition } from "../../../shared/domain/lifecycle.js";
import type { Ticket } from "../../../shared/domain/ticket.js";

const now = new Date("2026-11-22T02:00:00.000Z");
const operator = { id: "op", role: "operator" as const };
const dispatcher = { id: "disp", role: "dispatcher" as const };
const water = { id: "water#1", role: "department" as const, department: "water" };
const other = { id: "eco#1", role: "department" as const, department: "eco" };
const channel = { id: "web#1", role: "channel" as const, channel: "web" as const };

function dispatched(reporter: Ticket["reporter"]): Ticket {
  const t = newTicket(
    {
      id: "75f8a197-1987-4835-9a3c-0123456789ab",
      ticketNo: "20261122-000001",
      channel: "hotline",
      requestType: "complaint",
      title: "污水井冒水",
      description: "请打 13987654321 或 0571-87654321 联系楼长",
      categoryId: "drainage",
      categorySource: "explicit",
      suggestion: null,
      location: { address: "东城区新华街道人民路88号" },
      reporter,
      attachments: [],
      urgency: "normal",
    },
    operator,
    now,
  );
  return transition(
    t,
    { type: "dispatch", department: "water", dueAt: null },
    { id: "system", role: "system" },
    now,
  ).ticket;
}

const contact = { name: "李四", phone: "13900001111", anonymous: false };

describe("per-role views of a ticket", () => {
  it("the owning department sees the contact; another principal does not", () => {
    const t = dispatched(contact);
    expect(ticketView(t, water).reporter).toMatchObject({ name: "李四", phone: "13900001111" });
    for (const actor of [other, channel]) {
      const view = JSON.stringify(ticketView(t, actor));
      expect(view).not.toContain("13900001111");
      expect(view).not.toContain("李四");
    }
  });

  it("never after the department returned the ticket", () => {
    const t = dispatched(contact);
    const returned = transition(t, { type: "return", reason: "不属于本单位" }, water, now).ticket;
    expect(seesContact(returned, water)).toBe(false);
    expect(JSON.stringify(ticketView(returned, water))).not.toContain("13900001111");
  });

  it("never when the reporter asked for confidentiality (保密) or is anonymous", () => {
    for (const reporter of [{ ...contact, confidential: true }, { anonymous: true }]) {
      const t = dispatched(reporter);
      const view = ticketView(t, water);
      expect(JSON.stringify(view)).not.toContain("13900001111");
      expect(view.reporter).not.toHaveProperty("name");
    }
    expect(ticketView(dispatched({ ...contact, confidential: true }), water).reporter).toEqual({
      anonymous: false,
      confidential: true,
    });
  });

  it("phones typed into the description are masked for everyone but the operator and the dispatcher", () => {
    const t = dispatched(contact);
    for (const actor of [operator, dispatcher]) {
      expect(ticketView(t, actor).description).toContain("13987654321");
      expect(ticketView(t, actor).reporter).toMatchObject({ phone: "13900001111" });
    }
    for (const actor of [water, other, channel]) {
      const d = ticketView(t, actor).description;
      expect(d).not.toContain("13987654321");
      expect(d).not.toContain("87654321");
      expect(d).toContain("139****4321");
    }
    // ids stay intact in masked text (a public view built on maskText can show the ticket number)
    expect(maskText(`${t.ticketNo} ${t.id}`)).toBe(`${t.ticketNo} ${t.id}`);
  });
});
