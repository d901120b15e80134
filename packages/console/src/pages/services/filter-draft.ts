import type {
  Condition,
  Service,
  ServiceFilterInput,
  TriggerFilter,
  Urgency,
} from "@sqibs/api-client";
import { LIMITS } from "../../lib/limits";

/** The editor's state: text as typed; turned into the API's shape by toFilterInput. */
export interface ConditionDraft {
  key: string;
  contains: string[];
}

export interface TriggerDraft {
  /** Stable React key across reordering. */
  uid: number;
  urgency: Urgency;
  conditions: ConditionDraft[];
  titleKey: string;
  descriptionKey: string;
  correlationKey: string;
  autoResolveAfterSeconds: string;
}

export interface FilterDraft {
  titleKey: string;
  descriptionKey: string;
  triggers: TriggerDraft[];
  resolveEnabled: boolean;
  resolve: { condition: ConditionDraft; correlationKey: string };
  duplicateWindowSeconds: string;
}

let nextUid = 1;

export function newCondition(): ConditionDraft {
  return { key: "", contains: [""] };
}

export function newTrigger(): TriggerDraft {
  return {
    uid: nextUid++,
    urgency: "high",
    conditions: [],
    titleKey: "",
    descriptionKey: "",
    correlationKey: "",
    autoResolveAfterSeconds: "",
  };
}

const conditionDraft = (condition: Condition): ConditionDraft => ({
  key: condition.key,
  contains: condition.contains.length ? [...condition.contains] : [""],
});

export function toDraft(service: Service): FilterDraft {
  const filter = service.filter;
  return {
    titleKey: service.titleKey ?? "",
    descriptionKey: service.descriptionKey ?? "",
    triggers: (filter?.triggers ?? []).map((trigger) => ({
      uid: nextUid++,
      urgency: trigger.urgency,
      conditions: trigger.conditions.map(conditionDraft),
      titleKey: trigger.titleKey ?? "",
      descriptionKey: trigger.descriptionKey ?? "",
      correlationKey: trigger.correlationKey ?? "",
      autoResolveAfterSeconds: trigger.autoResolveAfterSeconds?.toString() ?? "",
    })),
    resolveEnabled: filter?.resolve !== undefined,
    resolve: {
      condition: filter?.resolve ? conditionDraft(filter.resolve.condition) : newCondition(),
      correlationKey: filter?.resolve?.correlationKey ?? "",
    },
    duplicateWindowSeconds: filter?.duplicateWindowSeconds?.toString() ?? "",
  };
}

/** A key, or nothing when left blank. */
const key = <K extends string>(name: K, value: string): Partial<Record<K, string>> =>
  value.trim() === "" ? {} : ({ [name]: value.trim() } as Record<K, string>);

const number = <K extends string>(name: K, value: string): Partial<Record<K, number>> =>
  value.trim() === "" ? {} : ({ [name]: Number(value) } as Record<K, number>);

function toCondition(draft: ConditionDraft): Condition {
  return {
    key: draft.key.trim(),
    contains: draft.contains.filter((value) => value !== "").slice(0, LIMITS.containsValues),
  };
}

/** The body of PUT /v1/services/{id}/filter (and of filter/test's `filter`). */
export function toFilterInput(draft: FilterDraft): ServiceFilterInput {
  const triggers: TriggerFilter[] = draft.triggers.slice(0, LIMITS.triggers).map((trigger) => ({
    urgency: trigger.urgency,
    conditions: trigger.conditions.slice(0, LIMITS.conditions).map(toCondition),
    ...key("titleKey", trigger.titleKey),
    ...key("descriptionKey", trigger.descriptionKey),
    ...key("correlationKey", trigger.correlationKey),
    ...number("autoResolveAfterSeconds", trigger.autoResolveAfterSeconds),
  }));
  return {
    ...key("titleKey", draft.titleKey),
    ...key("descriptionKey", draft.descriptionKey),
    triggers,
    ...(draft.resolveEnabled
      ? {
          resolve: {
            condition: toCondition(draft.resolve.condition),
            ...key("correlationKey", draft.resolve.correlationKey),
          },
        }
      : {}),
    ...number("duplicateWindowSeconds", draft.duplicateWindowSeconds),
  };
}

/** Moves one item of a list by `offset` places (reordering triggers). */
export function moved<T>(items: T[], index: number, offset: number): T[] {
  const target = index + offset;
  if (target < 0 || target >= items.length) return items;
  const copy = [...items];
  const [item] = copy.splice(index, 1);
  if (item !== undefined) copy.splice(target, 0, item);
  return copy;
}
