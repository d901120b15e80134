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
 * PRODUCT.md §7: in maintenance by state or by a window holding `now`; with tags, only for
 * payloads where some group matches (case-insensitive; empty groups never match).
 */
export function inMaintenance(input: {
  state: ServiceState;
  maintenance?: MaintenanceWindow | undefined;
  now: Date;
  payloadText: string;
}): boolean {
  const { state, maintenance, now } = input;
  if (state !== "maintenance" && !windowHolds(maintenance, now)) return false;
  const tags = maintenance?.tags;
  return tags === undefined || tags.length === 0 || someGroupMatches(tags, input.payloadText);
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
