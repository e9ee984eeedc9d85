import { TRIAGE } from "../shared/ports.js";
import { triageBrief } from "../shared/routing/triage.js";
import { pollInbox } from "../shared/services/inbox.js";
import { httpHandler, queryInt, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/**
 * GET /v1/departments/{dept}/inbox?max=&wait= — long-polls the department's queue (dispatchers: dept=triage)
 * and returns waiting tickets, each with a lease token to pass back with accept / resolve / return.
 */
export const route: Route = async (req, core) => {
  const max = queryInt(req.query, "max", 10, 1, 10);
  const wait = queryInt(req.query, "wait", 1, 0, 20);
  const items = await pollInbox(core, req.params.dept ?? "", req.actor, { max, waitSeconds: wait });
  return {
    statusCode: 200,
    body: {
      items: items.map((i) => ({
        leaseToken: i.leaseToken,
        ...(i.notice ? { notice: i.notice, deadline: i.deadline } : {}),
        ticket: ticketView(i.ticket, req.actor),
        // 协办: a co-handling department acts with co-accept / co-report; the lead with accept / resolve.
        ...(req.actor.role === "department"
          ? { as: i.ticket.department === req.actor.department ? "lead" : "co-handler" }
          : {}),
        ...(req.params.dept === TRIAGE ? { triage: triageBrief(core, i.ticket) } : {}),
      })),
    },
  };
};

export const roles = ["department", "dispatcher"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
