import {
  ConditionSchema,
  GlobalWebhookCreateSchema,
  MaintenanceTagsSchema,
  PayloadKeySchema,
  ServiceCreateSchema,
  ServiceFilterInputSchema,
  TeamNameSchema,
  TriggerFilterSchema,
  WebhookUrlSchema,
} from "@sqibs/api-client/schemas";

/** The form limits, read from the OpenAPI document's schemas (never copied by hand). */
export const LIMITS = {
  triggers: ServiceFilterInputSchema.properties.triggers.maxItems,
  conditions: TriggerFilterSchema.properties.conditions.maxItems,
  containsValues: ConditionSchema.properties.contains.maxItems,
  containsLength: ConditionSchema.properties.contains.items.maxLength,
  keyLength: PayloadKeySchema.maxLength,
  autoResolveMin: TriggerFilterSchema.properties.autoResolveAfterSeconds.minimum,
  autoResolveMax: TriggerFilterSchema.properties.autoResolveAfterSeconds.maximum,
  duplicateWindowMax: ServiceFilterInputSchema.properties.duplicateWindowSeconds.maximum,
  serviceName: ServiceCreateSchema.properties.name.maxLength,
  tagGroups: MaintenanceTagsSchema.maxItems,
  tagsPerGroup: MaintenanceTagsSchema.items.maxItems,
  tagLength: MaintenanceTagsSchema.items.items.maxLength,
  teamName: TeamNameSchema.allOf[1].maxLength,
  webhookUrl: WebhookUrlSchema.maxLength,
  workflowId: GlobalWebhookCreateSchema.properties.workflowId.maxLength,
} as const;
