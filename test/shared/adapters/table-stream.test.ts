import { describe, expect, it } from "vitest";
import { isPendingTicketImage, ticketFromStreamImage } from "../../../shared/adapters/table-stream.js";

describe("ticketFromStreamImage", () => {
  it("reads DynamoDB Local's `{}` for an empty map as the empty map, at any depth", () => {
    const ticket = ticketFromStreamImage({
      PK: { S: "TICKET#x" },
      SK: { S: "META" },
      entity: { S: "ticket" },
      ticket: { M: { id: { S: "x" }, location: { M: { area: {} as never, address: { S: "某处" } } } } },
    });
    expect(ticket?.location).toEqual({ area: {}, address: "某处" });
    expect(
      ticketFromStreamImage({
        PK: { S: "EVENT#x" },
        SK: { S: "E#1" },
        extra: {} as never,
        list: { L: [{} as never] },
      }),
    ).toBeNull();
  });

  it("ignores records without a new image and items that are not tickets", () => {
    expect(ticketFromStreamImage(undefined)).toBeNull();
    expect(
      ticketFromStreamImage({ PK: { S: "KEY#1" }, SK: { S: "META" }, entity: { S: "api-key" } }),
    ).toBeNull();
  });
});

describe("isPendingTicketImage", () => {
  const ticket = (fields: Record<string, unknown>) =>
    ({ PK: { S: "TICKET#x" }, SK: { S: "META" }, entity: { S: "ticket" }, ticket: { M: fields } }) as never;

  it("passes only a ticket's META image that carries the dispatch-pending mark", () => {
    expect(isPendingTicketImage(ticket({ id: { S: "x" }, dispatchPending: { BOOL: true } }))).toBe(true);
    expect(isPendingTicketImage(ticket({ id: { S: "x" }, dispatchPending: { BOOL: false } }))).toBe(false);
    expect(isPendingTicketImage(ticket({ id: { S: "x" } }))).toBe(false);
    expect(isPendingTicketImage(undefined)).toBe(false);
    // Another item of the same transaction, even one with a field of that name, is not a ticket.
    expect(
      isPendingTicketImage({
        PK: { S: "TICKET#x" },
        SK: { S: "EVENT#2026-12-02T00:00:00.000Z#000000" },
        entity: { S: "event" },
        ticket: { M: { dispatchPending: { BOOL: true } } },
      } as never),
    ).toBe(false);
  });
});
