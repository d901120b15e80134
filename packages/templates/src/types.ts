import type { ApiFilter } from "@sqibs/domain";

/** A built-in integration: the API filter that reads one tool's webhooks, and how to set the tool up. */
export interface IntegrationTemplate {
  /** Slug, unique and stable (`POST /v1/services { template }`, `--template`), e.g. "prometheus-alertmanager". */
  name: string;
  /** The tool's name as people write it, e.g. "Prometheus Alertmanager". */
  title: string;
  /** One or two sentences: what the filter does with the tool's calls. */
  description: string;
  /** The suggested `from=` URL parameter: incident titles read "<from> - <title>". */
  from: string;
  /** A complete filter (triggers with keys and urgency, resolve); passes `validateFilter`. */
  filter: ApiFilter;
  /**
   * Short markdown: the sender's configuration and the URL to use. The service's address is
   * written as BASE_URL_PLACEHOLDER; `guideFor` puts a real one in.
   */
  guide: string;
}

/** The service's address as the guides write it. */
export const BASE_URL_PLACEHOLDER = "https://sqibs.example.com";

/** A markdown code fence (template literals would need every backtick escaped). */
export const FENCE = "```";
