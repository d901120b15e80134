/**
 * The final endpoint URLs exactly as the seed lists them ("API END POINT"): Base URL + the
 * endpoint, the token as a Bearer token or as the `token` URL parameter, with and without
 * `from`; and the same under the hosted `/sqibs-api` prefix.
 */
export type IngestEndpoint = "process" | "request";
export type TokenPlacement = "bearer" | "url";

export interface EndpointForm {
  endpoint: IngestEndpoint;
  prefix: "" | "/sqibs-api";
  placement: TokenPlacement;
  withFrom: boolean;
  url: string;
  curl: string;
}

const SAMPLE_BODY: Record<IngestEndpoint, string> = {
  process: '{"status":"firing","title":"Test incident from the console"}',
  request: '{"workflowId":"example","title":"Test request from the console"}',
};

/** POSIX single quotes: the text stays one word whatever it holds. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function endpointUrl(
  baseUrl: string,
  prefix: EndpointForm["prefix"],
  endpoint: IngestEndpoint,
  query: { from?: string; token?: string },
): string {
  const parameters = [
    query.from !== undefined ? `from=${encodeURIComponent(query.from)}` : "",
    query.token !== undefined ? `token=${encodeURIComponent(query.token)}` : "",
  ].filter(Boolean);
  const base = baseUrl.replace(/\/+$/, "");
  return `${base}${prefix}/v1/${endpoint}${parameters.length ? `?${parameters.join("&")}` : ""}`;
}

/** The 16 forms: for each prefix and endpoint, the seed's four in its order. */
export function endpointForms(baseUrl: string, token: string, from: string): EndpointForm[] {
  const forms: EndpointForm[] = [];
  for (const prefix of ["", "/sqibs-api"] as const) {
    for (const endpoint of ["process", "request"] as const) {
      for (const placement of ["bearer", "url"] as const) {
        for (const withFrom of [false, true]) {
          const url = endpointUrl(baseUrl, prefix, endpoint, {
            ...(withFrom ? { from } : {}),
            ...(placement === "url" ? { token } : {}),
          });
          const header =
            placement === "bearer" ? ` -H ${shellQuote(`Authorization: Bearer ${token}`)}` : "";
          const curl = `curl -X POST ${shellQuote(url)}${header} -H 'Content-Type: application/json' -d ${shellQuote(SAMPLE_BODY[endpoint])}`;
          forms.push({ endpoint, prefix, placement, withFrom, url, curl });
        }
      }
    }
  }
  return forms;
}
