import { describe, expect, it } from "vitest";
import { ForbiddenError, IllegalTransitionError, ValidationError } from "../../../shared/domain/errors.js";
import {
  type Actor,
  type Command,
  type CommandType,
  newTicket,
  QUEUED_STATES,
  TRANSITIONS,
  transition,
} from "../../../shared/domain/lifecycle.js";
import { HistoryEvent, Role, Ticket, TicketStatus } from "../../../shared/domain/ticket.js";

const NOW = new Date("2026-04-14T03:21:09.000Z");
const EARLIER = new Date("2026-04-13T08:00:00.000Z");
const OWN_DEPT = "road-works";
const OTHER_DEPT = "parks-office";
const DUE = "2026-04-20T09:00:00.000Z";

/**
 * One entry per command variant. `targets` is the expected lifecycle of DESIGN.md §3, written out by hand so the
 * TRANSITIONS table is checked against it rather than against itself.
 */
interface Variant {
  name: string;
  command: Command;
  targets: Partial<Record<TicketStatus, TicketStatus>>;
  /** The note the history event must carry (undefined: no note). */
  note: string | undefined;
  /** What the ticket must carry for the command to apply (a pending extension, an open callback). */
  fixture?: Partial<Ticket>;
}

const LATER = "2026-04-25T09:00:00.000Z";
const PENDING_EXTENSION: Partial<Ticket> = {
  extension: {
    requestedAt: EARLIER.toISOString(),
    by: "user-department",
    reason: "parts on order",
    dueAt: LATER,
  },
};
const OPEN_CALLBACK: Partial<Ticket> = {
  callbacks: [
    {
      id: "cb-1",
      reporterTicketId: "tkt-1",
      reporterTicketNo: "20260413-000042",
      channel: "hotline",
      status: "pending",
      rating: null,
      attempts: 0,
      createdAt: EARLIER.toISOString(),
      expiresAt: LATER,
      answeredAt: null,
    },
  ],
};

const VARIANTS: Variant[] = [
  {
    name: "dispatch",
    command: { type: "dispatch", department: OWN_DEPT, dueAt: DUE },
    targets: { received: "dispatched" },
    note: undefined,
  },
  {
    name: "triage",
    command: { type: "triage", reason: "  nobody obviously owns this  " },
    targets: { received: "triage" },
    note: "nobody obviously owns this",
  },
  {
    name: "accept",
    command: { type: "accept", note: " on our list " },
    targets: { dispatched: "accepted" },
    note: "on our list",
  },
  {
    name: "progress",
    command: { type: "progress", note: "crew booked for Thursday" },
    targets: { accepted: "accepted" },
    note: "crew booked for Thursday",
  },
  {
    name: "resolve",
    command: {
      type: "resolve",
      result: "hole filled and sealed",
      evidence: [{ ref: "s3://b/p1.jpg", kind: "photo" }],
    },
    targets: { accepted: "resolved" },
    note: "hole filled and sealed",
  },
  {
    name: "return",
    command: { type: "return", reason: "this is a private driveway" },
    targets: { dispatched: "triage", accepted: "triage" },
    note: "this is a private driveway",
  },
  {
    name: "assign",
    command: {
      type: "assign",
      department: OWN_DEPT,
      categoryId: "potholes",
      dueAt: DUE,
      note: "sent by hand",
    },
    targets: { triage: "dispatched" },
    note: "sent by hand",
  },
  {
    name: "verify (passed)",
    command: { type: "verify", passed: true, note: "checked on site" },
    targets: { resolved: "closed" },
    note: "checked on site",
  },
  {
    name: "verify (failed)",
    command: { type: "verify", passed: false, note: "the hole is still there" },
    targets: { resolved: "dispatched" },
    note: "the hole is still there",
  },
  {
    name: "reject",
    command: { type: "reject", reason: "advertising, not a request" },
    targets: { received: "rejected", triage: "rejected" },
    note: "advertising, not a request",
  },
  {
    name: "merge",
    command: { type: "merge", parentId: "parent-ticket-1" },
    targets: { received: "merged", triage: "merged" },
    note: undefined,
  },
  {
    name: "reopen",
    command: { type: "reopen", reason: "caller says nothing changed", dueAt: DUE },
    targets: { closed: "dispatched" },
    note: "caller says nothing changed",
  },
  {
    name: "extend",
    command: { type: "extend", reason: " parts on order ", dueAt: LATER },
    targets: { dispatched: "dispatched", accepted: "accepted" },
    note: "parts on order",
  },
  {
    name: "approve-extension",
    command: { type: "approve-extension", note: "ok" },
    targets: { dispatched: "dispatched", accepted: "accepted" },
    note: "ok",
    fixture: PENDING_EXTENSION,
  },
  {
    name: "refuse-extension",
    command: { type: "refuse-extension", reason: "two days are enough" },
    targets: { dispatched: "dispatched", accepted: "accepted" },
    note: "two days are enough",
    fixture: PENDING_EXTENSION,
  },
  {
    name: "warn",
    command: { type: "warn", deadline: "resolve" },
    targets: { dispatched: "dispatched", accepted: "accepted" },
    note: undefined,
  },
  {
    name: "urge",
    command: { type: "urge", deadline: "resolve" },
    targets: { dispatched: "dispatched", accepted: "accepted" },
    note: undefined,
  },
  {
    name: "escalate",
    command: { type: "escalate", deadline: "resolve", reason: "overdue" },
    targets: { received: "received", triage: "triage", dispatched: "dispatched", accepted: "accepted" },
    note: undefined,
  },
  {
    name: "confirm (passed)",
    command: { type: "confirm", passed: true, note: "fixed, thanks", mode: "reporter" },
    targets: { resolved: "closed" },
    note: "fixed, thanks",
  },
  {
    name: "callback-open",
    command: { type: "callback-open", callbacks: OPEN_CALLBACK.callbacks ?? [] },
    targets: { closed: "closed" },
    note: undefined,
  },
  {
    name: "callback-attempt",
    command: { type: "callback-attempt", callbackId: "cb-1" },
    targets: { closed: "closed" },
    note: undefined,
    fixture: OPEN_CALLBACK,
  },
  {
    name: "callback-end",
    command: { type: "callback-end", callbackId: "cb-1", because: "expired" },
    targets: { closed: "closed" },
    note: undefined,
    fixture: OPEN_CALLBACK,
  },
  {
    name: "rate (satisfied)",
    command: { type: "rate", callbackId: "cb-1", rating: 5, comment: "很好" },
    targets: { closed: "closed" },
    note: "很好",
    fixture: OPEN_CALLBACK,
  },
  {
    name: "handle-on-site",
    command: {
      type: "handle-on-site",
      result: " loose cover put back ",
      evidence: [{ ref: "uploads/p1.jpg", kind: "photo" }],
    },
    targets: { received: "closed" },
    note: "loose cover put back",
  },
];

/** Routing's commands (co-handling, escalation, forwarding, return judgement, repeats) have their own tests. */
const ROUTING_COMMANDS = new Set([
  "co-accept",
  "co-report",
  "forward",
  "judge-return",
  "keep-separate",
  "unmerge",
  "hand-up",
]);
const COMMAND_TYPES = (Object.keys(TRANSITIONS) as CommandType[]).filter((t) => !ROUTING_COMMANDS.has(t));
const STATUSES = TicketStatus.options;
const ROLES = Role.options;

function actorFor(role: Role, department: string | undefined = OWN_DEPT): Actor {
  if (role === "grid-worker") return { id: `user-${role}`, role, grid: OWN_GRID };
  return role === "department" ? { id: `user-${role}`, role, department } : { id: `user-${role}`, role };
}

/** 小事一格解决: a grid worker steps in only on what its grid cell handles (test/integration/routing.test.ts). */
const OWN_GRID = "north/a/b/g1";
const handledBy = (role: Role, type: CommandType): Partial<Ticket> =>
  role === "grid-worker" && type !== "handle-on-site" ? { handlingGrid: OWN_GRID } : {};

/** A well-formed ticket in any status. Every fixture belongs to OWN_DEPT so the department check passes. */
function ticketIn(status: TicketStatus, overrides: Partial<Ticket> = {}): Ticket {
  const base = newTicket(
    {
      id: "tkt-1",
      ticketNo: "20260413-000042",
      channel: "hotline",
      requestType: "complaint",
      title: "Pothole outside the school",
      description: "Deep hole near the crossing, cars swerve around it",
      categoryId: "potholes",
      categorySource: "explicit",
      suggestion: null,
      location: { address: "12 Elm Road", area: { district: "north" } },
      reporter: { phone: "13900001111", anonymous: false },
      attachments: [],
      urgency: "normal",
    },
    { id: "operator-7", role: "operator" },
    EARLIER,
  );
  const at = EARLIER.toISOString();
  const ticket: Ticket = {
    ...base,
    status,
    department: OWN_DEPT,
    version: 3,
    dispatchedAt: at,
    dueAt: "2026-04-19T09:00:00.000Z",
    returnCount: 1,
    history: [
      ...base.history,
      { seq: 1, at, actor: "system", role: "system", type: "dispatch", from: "received", to: status },
    ],
  };
  if (status === "resolved" || status === "closed") {
    ticket.resolvedAt = at;
    ticket.resolution = { result: "fixed", evidence: [] };
  }
  if (status === "closed") ticket.closedAt = at;
  return { ...ticket, ...overrides };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe("the command list used by these tests", () => {
  it("covers every command type of the TRANSITIONS table", () => {
    expect(new Set(VARIANTS.map((v) => v.command.type))).toEqual(new Set(COMMAND_TYPES));
  });

  it("the table's legal (status, command) pairs are exactly the DESIGN.md §3 moves", () => {
    for (const type of COMMAND_TYPES) {
      const expected = new Set(
        VARIANTS.filter((v) => v.command.type === type).flatMap((v) => Object.keys(v.targets)),
      );
      expect(new Set(TRANSITIONS[type].from), type).toEqual(expected);
    }
  });
});

describe("transition: the full (command × status × allowed role) matrix", () => {
  for (const variant of VARIANTS) {
    const rule = TRANSITIONS[variant.command.type];
    for (const status of STATUSES) {
      for (const role of rule.roles) {
        const target = variant.targets[status];
        if (target !== undefined) {
          it(`${variant.name} from ${status} as ${role} → ${target}`, () => {
            const before = ticketIn(status, { ...variant.fixture, ...handledBy(role, variant.command.type) });
            const snapshot = structuredClone(before);
            const actor = actorFor(role);
            const { ticket, events } = transition(deepFreeze(before), variant.command, actor, NOW);

            expect(before).toEqual(snapshot);
            expect(ticket.status).toBe(target);
            expect(ticket.version).toBe(before.version + 1);
            expect(ticket.updatedAt).toBe(NOW.toISOString());
            expect(ticket.history).toHaveLength(before.history.length + 1);
            expect(ticket.history.slice(0, -1)).toEqual(before.history);
            expect(events).toHaveLength(1);
            const event = events[0]!;
            expect(ticket.history.at(-1)).toEqual(event);
            expect(event).toMatchObject({
              seq: before.history.length,
              actor: actor.id,
              role,
              at: NOW.toISOString(),
              type: variant.command.type,
              from: status,
              to: target,
            });
            expect(event.note).toBe(variant.note);
            expect(HistoryEvent.safeParse(event).success).toBe(true);
            expect(Ticket.safeParse(ticket).success).toBe(true);
            expect(ticket.dispatchPending).toBe(
              (target === "dispatched" || target === "triage") && target !== status,
            );
          });
        } else {
          it(`${variant.name} from ${status} as ${role} is illegal`, () => {
            const before = ticketIn(status, handledBy(role, variant.command.type));
            let caught: unknown;
            try {
              transition(before, variant.command, actorFor(role), NOW);
            } catch (err) {
              caught = err;
            }
            expect(caught).toBeInstanceOf(IllegalTransitionError);
            expect(caught).toMatchObject({
              code: "illegal_transition",
              from: status,
              command: variant.command.type,
            });
          });
        }
      }
    }
  }
});

describe("transition: roles", () => {
  for (const type of COMMAND_TYPES) {
    const variant = VARIANTS.find((v) => v.command.type === type)!;
    const wrongRoles = ROLES.filter((r) => !TRANSITIONS[type].roles.includes(r));
    it(`${type} refuses the roles ${wrongRoles.join(", ")} in every status`, () => {
      expect(wrongRoles.length).toBeGreaterThan(0);
      for (const role of wrongRoles) {
        for (const status of STATUSES) {
          expect(() => transition(ticketIn(status), variant.command, actorFor(role), NOW)).toThrow(
            ForbiddenError,
          );
        }
      }
    });
  }

  const departmentVariants = VARIANTS.filter((v) => TRANSITIONS[v.command.type].roles.includes("department"));

  it("department commands exist (accept, progress, resolve, return, extend)", () => {
    expect(departmentVariants.map((v) => v.command.type).sort()).toEqual(
      ["accept", "progress", "resolve", "return", "extend"].sort(),
    );
  });

  for (const variant of departmentVariants) {
    for (const status of Object.keys(variant.targets) as TicketStatus[]) {
      it(`${variant.name} on another department's ${status} ticket is forbidden`, () => {
        const ticket = ticketIn(status);
        expect(() => transition(ticket, variant.command, actorFor("department", OTHER_DEPT), NOW)).toThrow(
          ForbiddenError,
        );
        const noDept: Actor = { id: "stray", role: "department" };
        expect(() => transition(ticket, variant.command, noDept, NOW)).toThrow(ForbiddenError);
        expect(() =>
          transition(ticketIn(status, { department: null }), variant.command, actorFor("department"), NOW),
        ).toThrow(ForbiddenError);
      });
    }
  }
});

describe("transition: required reasons and notes", () => {
  const blanks = ["", "   ", "\n\t"];
  const cases: { status: TicketStatus; role: Role; make: (blank: string) => Command; field: string }[] = [
    {
      status: "dispatched",
      role: "department",
      make: (b) => ({ type: "return", reason: b }),
      field: "reason",
    },
    { status: "accepted", role: "department", make: (b) => ({ type: "return", reason: b }), field: "reason" },
    { status: "received", role: "dispatcher", make: (b) => ({ type: "reject", reason: b }), field: "reason" },
    { status: "triage", role: "dispatcher", make: (b) => ({ type: "reject", reason: b }), field: "reason" },
    { status: "accepted", role: "department", make: (b) => ({ type: "progress", note: b }), field: "note" },
    {
      status: "resolved",
      role: "dispatcher",
      make: (b) => ({ type: "verify", passed: false, note: b }),
      field: "note",
    },
    { status: "received", role: "system", make: (b) => ({ type: "triage", reason: b }), field: "reason" },
    {
      status: "closed",
      role: "operator",
      make: (b) => ({ type: "reopen", reason: b, dueAt: DUE }),
      field: "reason",
    },
    {
      status: "accepted",
      role: "department",
      make: (b) => ({ type: "resolve", result: b, evidence: [] }),
      field: "result",
    },
  ];

  for (const c of cases) {
    const label = `${c.make("").type}${c.make("").type === "verify" ? " (failed)" : ""} from ${c.status}`;
    it(`${label} without ${c.field} → ValidationError`, () => {
      for (const blank of blanks) {
        let caught: unknown;
        try {
          transition(ticketIn(c.status), c.make(blank), actorFor(c.role), NOW);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ValidationError);
        expect((caught as ValidationError).field).toBe(c.field);
      }
    });
  }

  it("verify (failed) with no note at all → ValidationError", () => {
    expect(() =>
      transition(ticketIn("resolved"), { type: "verify", passed: false }, actorFor("dispatcher"), NOW),
    ).toThrow(ValidationError);
  });

  it("verify (passed) and accept do not need a note, and then record none", () => {
    const closed = transition(
      ticketIn("resolved"),
      { type: "verify", passed: true },
      actorFor("dispatcher"),
      NOW,
    );
    expect(closed.ticket.status).toBe("closed");
    expect(closed.events[0]).not.toHaveProperty("note");
    const accepted = transition(
      ticketIn("dispatched"),
      { type: "accept", note: "  " },
      actorFor("department"),
      NOW,
    );
    expect(accepted.ticket.status).toBe("accepted");
    expect(accepted.events[0]).not.toHaveProperty("note");
  });

  it("a merge into the ticket itself → ValidationError on parentId", () => {
    const ticket = ticketIn("received");
    let caught: unknown;
    try {
      transition(ticket, { type: "merge", parentId: ticket.id }, actorFor("dispatcher"), NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe("parentId");
  });
});

describe("transition: dispatchPending (queue delivery needed)", () => {
  it("QUEUED_STATES are exactly dispatched and triage", () => {
    expect([...QUEUED_STATES].sort()).toEqual(["dispatched", "triage"]);
  });

  for (const variant of VARIANTS) {
    for (const [from, to] of Object.entries(variant.targets) as [TicketStatus, TicketStatus][]) {
      const needsQueue = to === "dispatched" || to === "triage";
      it(`${variant.name} ${from}→${to}: dispatchPending ${needsQueue}, whatever it was before`, () => {
        const role = TRANSITIONS[variant.command.type].roles[0]!;
        for (const pendingBefore of [true, false]) {
          const { ticket } = transition(
            ticketIn(from, { ...variant.fixture, dispatchPending: pendingBefore }),
            variant.command,
            actorFor(role),
            NOW,
          );
          // A step that stays in a queued state keeps whatever delivery is still owed; so does an escalation
          // anywhere (co-handlers' messages may still be owed while the lead works on it).
          const keeps = needsQueue || variant.command.type === "escalate";
          expect(ticket.dispatchPending).toBe(from === to ? keeps && pendingBefore : needsQueue);
        }
      });
    }
  }
});

describe("transition: fields each move sets", () => {
  it("dispatch sets department, dispatchedAt and dueAt", () => {
    const received = ticketIn("received", { department: null, dueAt: null, dispatchedAt: null });
    const { ticket, events } = transition(
      received,
      { type: "dispatch", department: OTHER_DEPT, dueAt: DUE },
      actorFor("system"),
      NOW,
    );
    expect(ticket).toMatchObject({ department: OTHER_DEPT, dispatchedAt: NOW.toISOString(), dueAt: DUE });
    expect(events[0]?.data).toEqual({ department: OTHER_DEPT, dueAt: DUE, acceptDueAt: null });
  });

  it("return clears department and due time, counts the return and records who returned it", () => {
    const before = ticketIn("accepted");
    const { ticket, events } = transition(
      before,
      { type: "return", reason: "not ours" },
      actorFor("department"),
      NOW,
    );
    expect(ticket.department).toBeNull();
    expect(ticket.dueAt).toBeNull();
    expect(ticket.returnCount).toBe(before.returnCount + 1);
    expect(events[0]?.data).toEqual({ department: OWN_DEPT, code: "other" });
  });

  it("assign sets the department and, when given, the category as chosen by the dispatcher", () => {
    const triaged = ticketIn("triage", { department: null, categoryId: null, categorySource: null });
    const withCat = transition(
      triaged,
      { type: "assign", department: OTHER_DEPT, categoryId: "lamps", dueAt: DUE },
      actorFor("dispatcher"),
      NOW,
    ).ticket;
    expect(withCat).toMatchObject({
      department: OTHER_DEPT,
      categoryId: "lamps",
      categorySource: "dispatcher",
      dueAt: DUE,
      dispatchedAt: NOW.toISOString(),
    });
    const withoutCat = transition(
      triaged,
      { type: "assign", department: OTHER_DEPT, dueAt: null },
      actorFor("dispatcher"),
      NOW,
    ).ticket;
    expect(withoutCat.categoryId).toBeNull();
    expect(withoutCat.categorySource).toBeNull();
  });

  it("resolve records the result, the evidence and resolvedAt", () => {
    const evidence = [{ ref: "s3://bucket/after.jpg", kind: "photo" as const }];
    const { ticket, events } = transition(
      ticketIn("accepted", { resolvedAt: null, resolution: null }),
      { type: "resolve", result: "  patched  ", evidence },
      actorFor("department"),
      NOW,
    );
    expect(ticket.resolution).toEqual({ result: "patched", evidence });
    expect(ticket.resolvedAt).toBe(NOW.toISOString());
    expect(events[0]?.data).toEqual({ evidence: evidence.length });
  });

  it("verify passed closes; verify failed sends it back to the same department", () => {
    const resolved = ticketIn("resolved");
    const closed = transition(resolved, { type: "verify", passed: true }, actorFor("dispatcher"), NOW).ticket;
    expect(closed.closedAt).toBe(NOW.toISOString());
    const failed = transition(
      resolved,
      { type: "verify", passed: false, note: "not fixed" },
      actorFor("dispatcher"),
      NOW,
    );
    expect(failed.ticket.department).toBe(resolved.department);
    expect(failed.ticket.resolvedAt).toBeNull();
    expect(failed.events[0]?.data).toEqual({ passed: false, by: "dispatcher", mode: "dispatcher" });
  });

  it("reject keeps the reason shown to the reporter and closes", () => {
    const { ticket } = transition(
      ticketIn("received"),
      { type: "reject", reason: " out of scope " },
      actorFor("dispatcher"),
      NOW,
    );
    expect(ticket.closeReason).toBe("out of scope");
    expect(ticket.closedAt).toBe(NOW.toISOString());
  });

  it("merge links the parent and closes", () => {
    const { ticket, events } = transition(
      ticketIn("triage"),
      { type: "merge", parentId: "older-ticket" },
      actorFor("system"),
      NOW,
    );
    expect(ticket.parentId).toBe("older-ticket");
    expect(ticket.closedAt).toBe(NOW.toISOString());
    expect(events[0]?.data).toEqual({ parentId: "older-ticket" });
  });

  it("reopen clears closedAt/resolvedAt and sets a new due time", () => {
    const closed = ticketIn("closed");
    const { ticket } = transition(
      closed,
      { type: "reopen", reason: "unhappy", dueAt: DUE },
      actorFor("dispatcher"),
      NOW,
    );
    expect(ticket).toMatchObject({
      closedAt: null,
      resolvedAt: null,
      dueAt: DUE,
      dispatchedAt: NOW.toISOString(),
      department: closed.department,
    });
  });

  it("successive moves keep numbering the history and the version", () => {
    const fresh = ticketIn("received");
    let ticket: Ticket = { ...fresh, department: null, version: 1, history: fresh.history.slice(0, 1) };
    const steps: [Command, Actor][] = [
      [{ type: "dispatch", department: OWN_DEPT, dueAt: DUE }, actorFor("system")],
      [{ type: "accept" }, actorFor("department")],
      [{ type: "progress", note: "on it" }, actorFor("department")],
      [{ type: "resolve", result: "done", evidence: [] }, actorFor("department")],
      [{ type: "verify", passed: true }, actorFor("dispatcher")],
    ];
    for (const [command, actor] of steps) ticket = transition(ticket, command, actor, NOW).ticket;
    expect(ticket.status).toBe("closed");
    expect(ticket.version).toBe(1 + steps.length);
    expect(ticket.history.map((e) => e.seq)).toEqual([...Array(steps.length + 1).keys()]);
    expect(ticket.history.map((e) => e.type)).toEqual(["create", ...steps.map(([c]) => c.type)]);
  });
});

describe("newTicket", () => {
  it("starts in received, version 1, with one create event and nothing pending", () => {
    const t = newTicket(
      {
        id: "abc",
        ticketNo: "20260101-000001",
        channel: "web",
        requestType: "inquiry",
        title: "Opening hours",
        description: "When does the office open?",
        categoryId: null,
        categorySource: null,
        suggestion: null,
        location: { address: "somewhere" },
        reporter: { anonymous: true },
        attachments: [],
        urgency: "low",
      },
      { id: "web-form", role: "system" },
      NOW,
    );
    expect(t).toMatchObject({
      status: "received",
      version: 1,
      department: null,
      dispatchPending: false,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect(t.history).toEqual([
      {
        seq: 0,
        at: NOW.toISOString(),
        actor: "web-form",
        role: "system",
        type: "create",
        from: null,
        to: "received",
      },
    ]);
    expect(Ticket.safeParse(t).success).toBe(true);
  });
});

describe("transition: a failed result does not linger on the ticket", () => {
  const resolved = () =>
    ticketIn("resolved", {
      resolution: { result: "filled the hole", evidence: [] },
      resolvedAt: EARLIER.toISOString(),
    });
  it("verify fail clears the resolution and its time", () => {
    const { ticket } = transition(
      resolved(),
      { type: "verify", passed: false, note: "still broken" },
      actorFor("dispatcher"),
      NOW,
    );
    expect(ticket.status).toBe("dispatched");
    expect(ticket.resolution).toBeNull();
    expect(ticket.resolvedAt).toBeNull();
  });
  it("reopen clears the resolution", () => {
    const closed = ticketIn("closed", { resolution: { result: "done", evidence: [] } });
    const { ticket } = transition(
      closed,
      { type: "reopen", reason: "unhappy", dueAt: DUE },
      actorFor("operator"),
      NOW,
    );
    expect(ticket.resolution).toBeNull();
  });
});
