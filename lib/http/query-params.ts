import { z } from "zod";
import { MAX_ROW_ID } from "../row-id";

/** Query-string fields shared by the read APIs (track, history, alerts), each with the message a person can act on. */

/** Epoch milliseconds, as digits. */
export const epochMsParam = z
  .string()
  .regex(/^\d{1,15}$/, "must be epoch milliseconds (a whole number)")
  .transform(Number);

/** The id of a row, as digits. */
export const rowIdParam = z
  .string()
  .regex(/^\d{1,10}$/, "must be a positive whole number")
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_ROW_ID, "must be a positive whole number");
