import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import express, { type RequestHandler, Router } from "express";
import { sendProblem } from "./problem.js";

/**
 * The console's pages may load scripts, styles and images from this origin only, and call
 * this origin's API; nothing inline, nothing framed. (The API keeps its own `default-src
 * 'none'`, http/limits.ts.)
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The built console (packages/console/dist), or undefined when it has not been built. */
export function consoleDirectory(): string | undefined {
  const packageJson = createRequire(import.meta.url).resolve("@sqibs/console/package.json");
  const dist = join(dirname(packageJson), "dist");
  return existsSync(join(dist, "index.html")) ? dist : undefined;
}

const consoleCsp: RequestHandler = (_req, res, next) => {
  res.setHeader("Content-Security-Policy", CONSOLE_CSP);
  next();
};

/**
 * Serves the console at /console: its hashed assets (cached for good), and index.html for
 * every other path without an extension, so that the single-page app's own URLs reload.
 */
export function consoleRoutes(directory: string | undefined): Router {
  const router = Router();
  router.use(consoleCsp);
  if (!directory) {
    router.use((_req, res) => {
      sendProblem(res, "NOT_FOUND", "The console has not been built: run 'pnpm build'.");
    });
    return router;
  }
  router.use(
    "/assets",
    express.static(join(directory, "assets"), {
      index: false,
      fallthrough: false,
      setHeaders: (res) => res.setHeader("Cache-Control", "public, max-age=31536000, immutable"),
    }),
  );
  router.use(express.static(directory, { index: false, fallthrough: true }));
  router.get("/{*path}", (req, res) => {
    if (extname(req.path) !== "") {
      sendProblem(res, "NOT_FOUND", `No console file ${req.path}.`);
      return;
    }
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(join(directory, "index.html"));
  });
  return router;
}
