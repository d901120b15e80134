import { describe, expect, it } from "vitest";
import { endpointForms, shellQuote } from "../src/pages/tokens/endpoints";

describe("the seed's final endpoints", () => {
  const forms = endpointForms("https://acme.example.com", "xxxx", "FromValue");

  it("lists the seed's four forms for each endpoint, at the root and under /sqibs-api", () => {
    expect(forms.map((form) => form.url)).toEqual([
      "https://acme.example.com/v1/process",
      "https://acme.example.com/v1/process?from=FromValue",
      "https://acme.example.com/v1/process?token=xxxx",
      "https://acme.example.com/v1/process?from=FromValue&token=xxxx",
      "https://acme.example.com/v1/request",
      "https://acme.example.com/v1/request?from=FromValue",
      "https://acme.example.com/v1/request?token=xxxx",
      "https://acme.example.com/v1/request?from=FromValue&token=xxxx",
      "https://acme.example.com/sqibs-api/v1/process",
      "https://acme.example.com/sqibs-api/v1/process?from=FromValue",
      "https://acme.example.com/sqibs-api/v1/process?token=xxxx",
      "https://acme.example.com/sqibs-api/v1/process?from=FromValue&token=xxxx",
      "https://acme.example.com/sqibs-api/v1/request",
      "https://acme.example.com/sqibs-api/v1/request?from=FromValue",
      "https://acme.example.com/sqibs-api/v1/request?token=xxxx",
      "https://acme.example.com/sqibs-api/v1/request?from=FromValue&token=xxxx",
    ]);
  });

  it("sends the token as a Bearer header only in the Bearer forms", () => {
    const [bearer, , url] = forms;
    expect(bearer?.curl).toBe(
      "curl -X POST 'https://acme.example.com/v1/process' -H 'Authorization: Bearer xxxx' -H 'Content-Type: application/json' -d '{\"status\":\"firing\",\"title\":\"Test incident from the console\"}'",
    );
    expect(url?.curl).not.toContain("Authorization");
  });

  it("encodes what it puts in a URL and quotes what it puts in a shell", () => {
    const [, withFrom] = endpointForms("http://127.0.0.1:3000/", "a&b", "Grafana & co");
    expect(withFrom?.url).toBe("http://127.0.0.1:3000/v1/process?from=Grafana%20%26%20co");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
