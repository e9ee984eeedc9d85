import { describe, expect, it } from "vitest";
import { ForbiddenError, IllegalTransitionError, ValidationError } from "../../../shared/domain/errors.js";
import { type Actor, newTicket, pendingCoHandlers, transition } from "../../../shared/domain/lifecycle.js";
import { Ticket } from "../../../shared/domain/ticket.js";

const NOW = new Date("2026-04-14T03:00:00.000Z");
const SYSTEM: Actor = { id: "system", role: "system" };
const DISPATCHER: Actor = { id: "d-1", role: "dispatcher" };
const dept = (department: string): Actor => ({ id: `k-${department}`, role: "department", department });

function received(): Ticket {
  return newTicket(
    {
      id: "t-1",
      ticketNo: "20260414-000001",
      channel: "hotline",
      requestType: "complaint",
      title: "车停在草坪上",
      description: "小区门口总有车停在草坪上",
      categoryId: "parking-on-greenery",
      categorySource: "explicit",
      suggestion: null,
      location: { address: "保俶路1号" },
      reporter: { anonymous: true },
      attachments: [],
      urgency: "normal",
    },
    { id: "op", role: "operator" },
    NOW,
  );
}

const DUE = "2026-04-20T03:00:00.000Z";

describe("co-handling (协办) in the pure lifecycle", () => {
  const dispatched = transition(
    received(),
    { type: "dispatch", department: "police", dueAt: DUE, coHandlers: [{ department: "parks", dueAt: DUE }] },
    SYSTEM,
    NOW,
  ).ticket;

  it("dispatch records co-handlers; the lead is never its own co-handler", () => {
    expect(dispatched.coHandlers).toMatchObject([{ department: "parks", status: "dispatched", dueAt: DUE }]);
    const self = transition(
      received(),
      {
        type: "dispatch",
        department: "police",
        dueAt: DUE,
        coHandlers: [{ department: "police", dueAt: DUE }],
      },
      SYSTEM,
      NOW,
    ).ticket;
    expect(self.coHandlers).toEqual([]);
    expect(Ticket.safeParse(dispatched).success).toBe(true);
  });

  it("only a co-handler co-accepts, then reports; the lead resolves only after that", () => {
    expect(() => transition(dispatched, { type: "co-accept" }, dept("water"), NOW)).toThrow(ForbiddenError);
    expect(() => transition(dispatched, { type: "co-report", result: "x" }, dept("parks"), NOW)).toThrow(
      IllegalTransitionError,
    );
    const accepted = transition(dispatched, { type: "accept" }, dept("police"), NOW).ticket;
    expect(() =>
      transition(accepted, { type: "resolve", result: "拖走", evidence: [] }, dept("police"), NOW),
    ).toThrow(/co-handlers have not reported/);
    const coAccepted = transition(accepted, { type: "co-accept" }, dept("parks"), NOW).ticket;
    expect(coAccepted.status).toBe("accepted");
    const reported = transition(coAccepted, { type: "co-report", result: "补种" }, dept("parks"), NOW).ticket;
    expect(pendingCoHandlers(reported)).toEqual([]);
    expect(
      transition(reported, { type: "resolve", result: "拖走", evidence: [] }, dept("police"), NOW).ticket
        .status,
    ).toBe("resolved");
  });

  it("co-handler steps keep an undelivered lead message pending", () => {
    const pending = { ...dispatched, dispatchPending: true };
    expect(transition(pending, { type: "co-accept" }, dept("parks"), NOW).ticket.dispatchPending).toBe(true);
  });
});

describe("returns, escalation and repeats in the pure lifecycle", () => {
  const dispatched = transition(
    received(),
    { type: "dispatch", department: "police", dueAt: DUE },
    SYSTEM,
    NOW,
  ).ticket;

  it("a return records its code; not_ours and duplicate must name what they claim", () => {
    expect(() =>
      transition(dispatched, { type: "return", reason: "不归我", code: "not_ours" }, dept("police"), NOW),
    ).toThrow(ValidationError);
    expect(() =>
      transition(dispatched, { type: "return", reason: "重复", code: "duplicate" }, dept("police"), NOW),
    ).toThrow(ValidationError);
    const r = transition(
      dispatched,
      { type: "return", reason: "归园林", code: "not_ours", suggestedDepartment: "parks" },
      dept("police"),
      NOW,
    ).ticket;
    expect(r.returns).toMatchObject([
      { department: "police", code: "not_ours", suggestedDepartment: "parks" },
    ]);
    const forwarded = transition(r, { type: "forward", department: "parks", dueAt: DUE }, SYSTEM, NOW).ticket;
    expect(forwarded).toMatchObject({ status: "dispatched", department: "parks" });
    expect(forwarded.forwardedAt).toBe(NOW.toISOString());
    const escalated = transition(r, { type: "escalate", reason: "returns" }, SYSTEM, NOW);
    expect(escalated.ticket.escalatedAt).toBe(NOW.toISOString());
    expect(escalated.events[0]).toMatchObject({ type: "escalate", data: { reason: "returns" } });
    const judged = transition(
      r,
      { type: "judge-return", seq: r.returns![0]!.seq, wrong: true },
      DISPATCHER,
      NOW,
    );
    expect(judged.ticket.returns![0]!.wrong).toBe(true);
    expect(() => transition(r, { type: "judge-return", seq: 99, wrong: true }, DISPATCHER, NOW)).toThrow(
      ValidationError,
    );
  });

  it("unmerge restores a merged child, routed or to triage", () => {
    const merged = transition(received(), { type: "merge", parentId: "p-1" }, SYSTEM, NOW).ticket;
    const routed = transition(
      merged,
      { type: "unmerge", department: "police", dueAt: DUE },
      DISPATCHER,
      NOW,
    ).ticket;
    expect(routed).toMatchObject({
      status: "dispatched",
      parentId: null,
      closedAt: null,
      department: "police",
    });
    const triaged = transition(
      merged,
      { type: "unmerge", department: null, dueAt: null },
      DISPATCHER,
      NOW,
    ).ticket;
    expect(triaged.status).toBe("triage");
    expect(triaged.dispatchPending).toBe(true);
  });
});
