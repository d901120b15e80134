import { inject } from "vitest";
import "./provided.js";

export const contract = inject("contract");
export const live = contract.target === "live";
