// What the global set-up hands to the tests (types only).
declare module "vitest" {
  export interface ProvidedContext {
    browser: {
      /** The service that serves the console, on the real database. */
      baseUrl: string;
      adminToken: string;
      globalToken: string;
      serviceId: string;
      chromium: string;
      /** <repo>/test-results/screenshots */
      screenshots: string;
    };
  }
}

export {};
