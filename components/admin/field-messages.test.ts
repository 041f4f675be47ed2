import { describe, expect, it } from "vitest";
import { fieldMessage } from "./field-messages";

const latitude = { label: "Latitude", kind: "number", min: -90, max: 90 } as const;

describe("fieldMessage", () => {
  it("names the field by its label and says what to do, instead of zod's wording", () => {
    expect(fieldMessage({ code: "too_big", origin: "number", maximum: 90, message: "Too big: expected number to be <=90" }, latitude)).toBe(
      "Latitude must be between -90 and 90.",
    );
    expect(fieldMessage({ code: "invalid_type", message: "Invalid input: expected number, received string" }, latitude)).toBe(
      "Latitude must be a number between -90 and 90.",
    );
    expect(fieldMessage({ code: "too_small", origin: "number", minimum: 0, message: "Too small: expected number to be >=0" }, { label: "Speed", kind: "number" })).toBe(
      "Speed must be at least 0.",
    );
    expect(fieldMessage({ code: "invalid_format", format: "email", message: "Invalid email address" }, { label: "Email", kind: "email" })).toBe(
      "Email must be an email address, like name@example.org.",
    );
    expect(
      fieldMessage({ code: "too_small", origin: "string", minimum: 10, message: "must be at least 10 characters" }, { label: "Password", kind: "password" }),
    ).toBe("Password must be at least 10 characters long.");
  });

  it("asks to fill in or choose a missing value", () => {
    const missing = { code: "invalid_type", message: "Invalid input: expected string, received undefined" };
    expect(fieldMessage(missing, { label: "Name", kind: "text" })).toBe("Name is required.");
    expect(fieldMessage({ code: "invalid_type", message: "Invalid input: expected number, received null" }, { label: "Division", kind: "choice" })).toBe(
      "Choose a division.",
    );
    expect(fieldMessage({ code: "too_small", origin: "string", minimum: 1, message: "Too small" }, { label: "Code", kind: "text" })).toBe("Code is required.");
  });

  it("completes the API's own sentences with the label, and shows whole sentences as they are", () => {
    expect(fieldMessage({ code: "invalid_format", format: "regex", message: "may contain only letters, digits, '-', '_' and '.'" }, { label: "Code", kind: "text" })).toBe(
      "Code may contain only letters, digits, '-', '_' and '.'.",
    );
    expect(fieldMessage({ code: "server", message: "choose a station for a station-level scope." }, { label: "Scope station", kind: "choice" })).toBe(
      "Choose a station for a station-level scope.",
    );
  });
});
