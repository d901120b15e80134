import type { FilterViolation } from "./filter.js";

export type ServiceState = "active" | "disabled" | "maintenance";

export interface MaintenanceWindow {
  /** Inclusive; missing means "since forever". */
  start?: Date;
  /** Exclusive; missing means "until ended". */
  end?: Date;
  /** Groups of tags: a group matches when the payload text contains all of its tags. */
  tags?: string[][];
}

/**
 * docs/product.md §7: in maintenance by state or by a window holding `now`; with tags, only for
 * payloads where some group matches (case-insensitive; empty groups never match).
 */
export function inMaintenance(input: {
  state: ServiceState;
  maintenance?: MaintenanceWindow | undefined;
  now: Date;
  payloadText: string;
}): boolean {
  const { maintenance } = input;
  if (!maintenanceHolds(input)) return false;
  const tags = maintenance?.tags;
  return tags === undefined || tags.length === 0 || someGroupMatches(tags, input.payloadText);
}

/**
 * Whether the service is in maintenance at `now`, before its tags are matched against a
 * payload: by state, or by a window holding `now` (what a service view shows).
 */
export function maintenanceHolds(input: {
  state: ServiceState;
  maintenance?: MaintenanceWindow | undefined;
  now: Date;
}): boolean {
  return input.state === "maintenance" || windowHolds(input.maintenance, input.now);
}

function windowHolds(window: MaintenanceWindow | undefined, now: Date): boolean {
  if (window === undefined) return false;
  const time = now.getTime();
  const started = window.start === undefined || time >= window.start.getTime();
  return started && (window.end === undefined || time < window.end.getTime());
}

function someGroupMatches(groups: string[][], payloadText: string): boolean {
  const text = payloadText.toLowerCase();
  return groups.some((group) => groupMatches(group, text));
}

/** Blank tags are ignored, so a group of blank tags is empty and never matches. */
function groupMatches(group: string[], lowerText: string): boolean {
  let tagged = false;
  for (const tag of group) {
    const needle = tag.trim().toLowerCase();
    if (needle === "") continue;
    if (!lowerText.includes(needle)) return false;
    tagged = true;
  }
  return tagged;
}

export const MAINTENANCE_LIMITS = { groups: 10, tagsPerGroup: 10, tagLength: 50 } as const;

/**
 * Every violation (empty when the window is valid): the order of `start` and `end`, then the
 * limits (validateMaintenanceOrder, validateMaintenanceLimits).
 */
export function validateMaintenance(window: MaintenanceWindow): FilterViolation[] {
  return [...validateMaintenanceOrder(window), ...validateMaintenanceLimits(window)];
}

/** `end` after `start` (a rule between two fields, which a JSON Schema cannot state). */
export function validateMaintenanceOrder(window: MaintenanceWindow): FilterViolation[] {
  const { start, end } = window;
  return start !== undefined && end !== undefined && end.getTime() <= start.getTime()
    ? [{ field: "end", message: "must be after start" }]
    : [];
}

/**
 * The limits: at most 10 groups of at most 10 tags of at most 50 characters, no empty group,
 * no blank tag (both would silently never match).
 */
export function validateMaintenanceLimits(window: MaintenanceWindow): FilterViolation[] {
  const violations: FilterViolation[] = [];
  const { tags } = window;
  if (tags === undefined) return violations;
  if (tags.length > MAINTENANCE_LIMITS.groups) {
    violations.push({ field: "tags", message: `at most ${MAINTENANCE_LIMITS.groups} groups` });
  }
  tags.forEach((group, i) => {
    if (group.length === 0) violations.push({ field: `tags[${i}]`, message: "must not be empty" });
    else if (group.length > MAINTENANCE_LIMITS.tagsPerGroup) {
      violations.push({
        field: `tags[${i}]`,
        message: `at most ${MAINTENANCE_LIMITS.tagsPerGroup} tags`,
      });
    }
    group.forEach((tag, j) => {
      const field = `tags[${i}][${j}]`;
      if (tag.trim() === "") violations.push({ field, message: "must not be blank" });
      else if ([...tag].length > MAINTENANCE_LIMITS.tagLength) {
        violations.push({ field, message: `at most ${MAINTENANCE_LIMITS.tagLength} characters` });
      }
    });
  });
  return violations;
}
