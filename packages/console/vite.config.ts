import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the intake service at /console (services/intake/src/http/console.ts).
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // scripts/check-bundle-size.mjs reads it to sum what the first load fetches.
    manifest: true,
    target: "es2022",
    // The CSP forbids inline scripts: nothing may be inlined into index.html.
    assetsInlineLimit: 0,
  },
});
