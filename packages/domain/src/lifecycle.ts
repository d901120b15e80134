/** The incident lifecycle (docs/product.md §8): triggered → acknowledged → resolved. */
export type IncidentStatus = "triggered" | "acknowledged" | "resolved";

export type IncidentEventType =
  | "triggered"
  | "duplicate"
  | "acknowledged"
  | "unacknowledged"
  | "resolved";

/** What a person (or the auto-resolve sweep) can do to an incident. */
export type LifecycleAction = "acknowledge" | "unacknowledge" | "resolve";

export interface Transition {
  /** The statuses the action applies to; from any other it is refused. */
  from: readonly IncidentStatus[];
  to: IncidentStatus;
  /** The event recorded on the incident. */
  event: IncidentEventType;
  /** The past participle, for the message that refuses it ("…can be acknowledged"). */
  done: string;
}

/** Statuses in which an incident is open: it takes duplicates, a resolve, an auto-resolve. */
export const OPEN_STATUSES: readonly IncidentStatus[] = ["triggered", "acknowledged"];

/** Unacknowledge returns to triggered; resolve applies to any open incident. */
export const TRANSITIONS: Readonly<Record<LifecycleAction, Transition>> = {
  acknowledge: {
    from: ["triggered"],
    to: "acknowledged",
    event: "acknowledged",
    done: "acknowledged",
  },
  unacknowledge: {
    from: ["acknowledged"],
    to: "triggered",
    event: "unacknowledged",
    done: "unacknowledged",
  },
  resolve: { from: OPEN_STATUSES, to: "resolved", event: "resolved", done: "resolved" },
};

/** Whether `action` applies to an incident in `status`. */
export function transitionApplies(action: LifecycleAction, status: IncidentStatus): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/** Whether an incident in `status` is still open. */
export function isOpen(status: IncidentStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
