import { fileURLToPath } from "node:url";

/**
 * The executable that starts the built service as an operator does (bin/sqibs-intake: glibc's
 * allocator settings, then node running dist/server.js). Node flags given to it go to node.
 */
export const serviceLauncher = fileURLToPath(new URL("../bin/sqibs-intake", import.meta.url));
