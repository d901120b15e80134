// What the global set-ups hand to the scenarios (types only: no vitest runtime here).
export type Target = "mock" | "live";

declare module "vitest" {
  export interface ProvidedContext {
    contract: {
      target: Target;
      baseUrl: string;
      globalToken: string;
      adminToken: string;
      /** The live run's Prism proxy log, checked for contract violations at the end. */
      proxyLog?: string;
    };
  }
}
