/** The routes answer under /sqibs-api and at the root (the document's two servers). */
export const BASE_PATHS = ["/sqibs-api", "/"] as const;

/** The ingest paths, at the root and under /sqibs-api; the group is the endpoint. */
export const INGEST_PATH = /^(?:\/sqibs-api)?\/v1\/(process|request)\/?$/;

/** The health probes, at the root and under /sqibs-api. */
export const HEALTH_PATH = /^(?:\/sqibs-api)?\/(?:healthz|readyz)\/?$/;

/** The ingest endpoint a path names, if it names one. */
export function ingestEndpointOf(path: string): "process" | "request" | undefined {
  return INGEST_PATH.exec(path)?.[1] as "process" | "request" | undefined;
}
