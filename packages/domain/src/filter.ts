import { createHash } from "node:crypto";
import { readKey } from "./keys.js";
import type { Payload } from "./payload.js";

export type Urgency = "high" | "low";

export interface Condition {
  /** A payload key (literal key or dot path), or `$text` for the whole payload text. */
  key: string;
  contains: string[];
}

export interface TriggerFilter {
  urgency: Urgency;
  conditions: Condition[];
  titleKey?: string;
  descriptionKey?: string;
  correlationKey?: string;
  autoResolveAfterSeconds?: number;
}

export interface ResolveFilter {
  condition: Condition;
  correlationKey?: string;
}

export interface ApiFilter {
  triggers: TriggerFilter[];
  resolve?: ResolveFilter;
  duplicateWindowSeconds?: number;
}

export const FILTER_LIMITS = {
  triggers: 10,
  conditionsPerTrigger: 2,
  valuesPerCondition: 10,
  valueLength: 50,
  keyLength: 256,
  autoResolveMaxSeconds: 30 * 24 * 3600,
  duplicateWindowMaxSeconds: 86400,
} as const;

export const DEFAULT_DUPLICATE_WINDOW_SECONDS = 120;

/** The key that stands for the whole payload text (for senders of plain text). */
export const TEXT_KEY = "$text";

export interface FilterViolation {
  /** Path of the offending field, e.g. "triggers[3].conditions[0].contains[2]". */
  field: string;
  message: string;
}

/** Every violation of the limits (empty when the filter is valid). */
export function validateFilter(filter: ApiFilter): FilterViolation[] {
  const violations: FilterViolation[] = [];
  const report: Report = (field, message) => {
    violations.push({ field, message });
  };
  if (filter.triggers.length > FILTER_LIMITS.triggers) {
    report("triggers", `at most ${FILTER_LIMITS.triggers} trigger filters`);
  }
  for (const [i, trigger] of filter.triggers.entries()) {
    validateTrigger(trigger, `triggers[${i}]`, report);
  }
  if (filter.resolve !== undefined) {
    validateCondition(filter.resolve.condition, "resolve.condition", report);
    validateOptionalKey(filter.resolve.correlationKey, "resolve.correlationKey", report);
  }
  const window = filter.duplicateWindowSeconds;
  if (window !== undefined && !isIntegerIn(window, 0, FILTER_LIMITS.duplicateWindowMaxSeconds)) {
    report(
      "duplicateWindowSeconds",
      `an integer from 0 to ${FILTER_LIMITS.duplicateWindowMaxSeconds}`,
    );
  }
  return violations;
}

/** The key's text contains every value, case-insensitively; a missing key fails. */
export function conditionPasses(condition: Condition, payload: Payload): boolean {
  const text = keyText(payload, condition.key);
  if (text === undefined) return false;
  const haystack = text.toLowerCase();
  return condition.contains.every((value) => haystack.includes(value.toLowerCase()));
}

/**
 * The first trigger whose conditions all pass. No filter, or one without triggers, passes every
 * call with the seed's defaults (index -1, urgency high, the service's own title/description keys).
 */
export function findTrigger(
  filter: ApiFilter | undefined,
  payload: Payload,
): { index: number; trigger: TriggerFilter } | undefined {
  if (filter === undefined || filter.triggers.length === 0) {
    return { index: -1, trigger: { urgency: "high", conditions: [] } };
  }
  const index = filter.triggers.findIndex((trigger) =>
    trigger.conditions.every((condition) => conditionPasses(condition, payload)),
  );
  const trigger = filter.triggers[index];
  return trigger === undefined ? undefined : { index, trigger };
}

export function resolvePasses(filter: ApiFilter | undefined, payload: Payload): boolean {
  return filter?.resolve !== undefined && conditionPasses(filter.resolve.condition, payload);
}

/** Correlation values longer than this many characters are replaced by their digest. */
export const CORRELATION_VALUE_LIMIT = 1024;

/**
 * The "Map Incident With" value. One longer than 1,024 characters (a whole payload's `$text`,
 * a huge label) is replaced by `sha256:<hex of its UTF-8 bytes>`: equal values still match,
 * and nothing stores or echoes it in full (docs/product.md §5).
 */
export function correlationValue(payload: Payload, key: string | undefined): string | undefined {
  const value = keyText(payload, key);
  if (value === undefined || !longerThan(value, CORRELATION_VALUE_LIMIT)) return value;
  return `sha256:${createHash("sha256").update(value, "utf8").digest("hex")}`;
}

/** Counted in characters (code points), as JSON Schema's maxLength counts. */
function longerThan(text: string, limit: number): boolean {
  return text.length > limit && [...text].length > limit;
}

/** `$text` is the whole payload text (absent when blank); other keys read the JSON payload. */
function keyText(payload: Payload, key: string | undefined): string | undefined {
  if (key === TEXT_KEY) return payload.text.trim() === "" ? undefined : payload.text;
  return payload.isJson ? readKey(payload.json, key) : undefined;
}

type Report = (field: string, message: string) => void;

function validateTrigger(trigger: TriggerFilter, field: string, report: Report): void {
  if (trigger.urgency !== "high" && trigger.urgency !== "low") {
    report(`${field}.urgency`, 'either "high" or "low"');
  }
  if (trigger.conditions.length > FILTER_LIMITS.conditionsPerTrigger) {
    report(`${field}.conditions`, `at most ${FILTER_LIMITS.conditionsPerTrigger} conditions`);
  }
  trigger.conditions.forEach((condition, i) => {
    validateCondition(condition, `${field}.conditions[${i}]`, report);
  });
  validateOptionalKey(trigger.titleKey, `${field}.titleKey`, report);
  validateOptionalKey(trigger.descriptionKey, `${field}.descriptionKey`, report);
  validateOptionalKey(trigger.correlationKey, `${field}.correlationKey`, report);
  const seconds = trigger.autoResolveAfterSeconds;
  if (seconds !== undefined && !isIntegerIn(seconds, 1, FILTER_LIMITS.autoResolveMaxSeconds)) {
    report(
      `${field}.autoResolveAfterSeconds`,
      `an integer from 1 to ${FILTER_LIMITS.autoResolveMaxSeconds}`,
    );
  }
}

function validateCondition(condition: Condition, field: string, report: Report): void {
  validateKey(condition.key, `${field}.key`, report);
  if (condition.contains.length > FILTER_LIMITS.valuesPerCondition) {
    report(`${field}.contains`, `at most ${FILTER_LIMITS.valuesPerCondition} values`);
  }
  condition.contains.forEach((value, i) => {
    if (value === "") report(`${field}.contains[${i}]`, "must not be empty");
    else if (codePoints(value) > FILTER_LIMITS.valueLength) {
      report(`${field}.contains[${i}]`, `at most ${FILTER_LIMITS.valueLength} characters`);
    }
  });
}

function validateOptionalKey(key: string | undefined, field: string, report: Report): void {
  if (key !== undefined) validateKey(key, field, report);
}

function validateKey(key: string, field: string, report: Report): void {
  if (key.trim() === "") report(field, "must not be empty");
  else if (codePoints(key) > FILTER_LIMITS.keyLength) {
    report(field, `at most ${FILTER_LIMITS.keyLength} characters`);
  }
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
