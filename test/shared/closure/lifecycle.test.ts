import { describe, expect, it } from "vitest";
import { dueSupervision, nextSupervisionAt } from "../../../shared/closure/supervision.js";
import { type Actor, newTicket, transition } from "../../../shared/domain/lifecycle.js";
import type { Ticket } from "../../../shared/domain/ticket.js";

const T0 = new Date("2026-05-11T02:00:00.000Z");
const H = 3_600_000;
const operator: Actor = { id: "op-1", role: "operator" };
const dispatcher: Actor = { id: "disp-1", role: "dispatcher" };
const water: Actor = { id: "water-1", role: "department", department: "water" };
const gateway: Actor = { id: "web-gw", role: "channel", channel: "web" };
const POLICY = { warnAtFraction: 0.8, escalateAfterHours: 24 };

function dispatched(): Ticket {
  const t = newTicket(
    {
      id: "t1",
      ticketNo: "20260511-000001",
      channel: "web",
      requestType: "complaint",
      title: "路灯不亮",
      description: "小区门口路灯不亮一周了",
      categoryId: "street-light",
      categorySource: "explicit",
      suggestion: null,
      location: { address: "人民路1号" },
      reporter: { phone: "13900001111", anonymous: false },
      attachments: [],
      urgency: "normal",
    },
    operator,
    T0,
  );
  return transition(
    t,
    {
      type: "dispatch",
      department: "water",
      acceptDueAt: new Date(T0.getTime() + 10 * H).toISOString(),
      dueAt: new Date(T0.getTime() + 100 * H).toISOString(),
    },
    { id: "system", role: "system" },
    T0,
  ).ticket;
}

function resolved(): Ticket {
  let t = transition(dispatched(), { type: "accept" }, water, T0).ticket;
  t = transition(t, { type: "resolve", result: "已更换灯泡", evidence: [] }, water, T0).ticket;
  return t;
}

const fresh = { acceptDueAt: "2026-05-12T02:00:00.000Z", dueAt: "2026-05-15T02:00:00.000Z" };

describe("verification modes", () => {
  it("双验收 (both): the centre's pass waits for the reporter's; then it closes", () => {
    const a = transition(resolved(), { type: "verify", passed: true, mode: "both" }, dispatcher, T0).ticket;
    expect(a.status).toBe("resolved");
    expect(a.verification).toEqual({ dispatcher: true, reporter: null });
    expect(() => transition(a, { type: "verify", passed: true, mode: "both" }, dispatcher, T0)).toThrow(
      /already/,
    );
    const b = transition(a, { type: "confirm", passed: true, mode: "both" }, gateway, T0).ticket;
    expect(b.status).toBe("closed");
  });

  it("a failed reporter confirmation goes back to the same department with a note and fresh deadlines", () => {
    const r = transition(
      resolved(),
      { type: "confirm", passed: false, note: "灯还是不亮", mode: "reporter", fresh },
      gateway,
      T0,
    ).ticket;
    expect(r).toMatchObject({ status: "dispatched", department: "water", ...fresh, dispatchPending: true });
    expect(r.verification).toEqual({ dispatcher: null, reporter: null });
    expect(r.history.at(-1)).toMatchObject({ type: "confirm", note: "灯还是不亮" });
  });

  it("a category the reporter verifies refuses the dispatcher's verify, and the other way round", () => {
    expect(() =>
      transition(resolved(), { type: "verify", passed: true, mode: "reporter" }, dispatcher, T0),
    ).toThrow(/reporter/);
    expect(() =>
      transition(resolved(), { type: "confirm", passed: true, mode: "dispatcher" }, gateway, T0),
    ).toThrow(/centre/);
  });

  it("报处分离: the handler and the filer never verify", () => {
    const t = resolved();
    expect(() => transition(t, { type: "verify", passed: true }, { ...dispatcher, id: "op-1" }, T0)).toThrow(
      /报处分离/,
    );
    expect(() =>
      transition(t, { type: "verify", passed: true }, { ...dispatcher, id: "water-1" }, T0),
    ).toThrow(/报处分离/);
  });
});

describe("supervision as a pure function of (ticket, now)", () => {
  it("the next moment is 80 % of the accept deadline, then its end, then the escalation", () => {
    const t = dispatched();
    expect(nextSupervisionAt(t, POLICY)).toBe(new Date(T0.getTime() + 8 * H).toISOString());
    expect(dueSupervision(t, new Date(T0.getTime() + 7.9 * H), POLICY)).toEqual([]);
    expect(dueSupervision(t, new Date(T0.getTime() + 8 * H), POLICY)).toEqual([
      { type: "warn", deadline: "accept" },
    ]);
    const warned = transition(
      t,
      { type: "warn", deadline: "accept" },
      { id: "system", role: "system" },
      T0,
    ).ticket;
    expect(nextSupervisionAt(warned, POLICY)).toBe(new Date(T0.getTime() + 10 * H).toISOString());
  });

  it("a sweep that missed stages emits each of them, in order", () => {
    expect(dueSupervision(dispatched(), new Date(T0.getTime() + 200 * H), POLICY)).toEqual([
      { type: "warn", deadline: "accept" },
      { type: "urge", deadline: "accept" },
      { type: "escalate", deadline: "accept", reason: "overdue" },
      { type: "warn", deadline: "resolve" },
      { type: "urge", deadline: "resolve" },
      { type: "escalate", deadline: "resolve", reason: "overdue" },
    ]);
  });

  it("an accepted ticket has only its resolve deadline; a resolved one none", () => {
    const accepted = transition(dispatched(), { type: "accept" }, water, T0).ticket;
    expect(nextSupervisionAt(accepted, POLICY)).toBe(new Date(T0.getTime() + 80 * H).toISOString());
    expect(nextSupervisionAt(resolved(), POLICY)).toBeNull();
  });

  it("a step that stays dispatched keeps an owed delivery (dispatch-pending)", () => {
    const t = { ...dispatched(), dispatchPending: true };
    const warned = transition(
      t,
      { type: "warn", deadline: "accept" },
      { id: "system", role: "system" },
      T0,
    ).ticket;
    expect(warned.dispatchPending).toBe(true);
  });
});
