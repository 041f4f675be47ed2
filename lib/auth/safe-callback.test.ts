import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_LOGIN, safeCallbackPath } from "./safe-callback";

const ORIGIN = "http://localhost:3000";

describe("safeCallbackPath", () => {
  // Each of these sent a signed-in user off the site, or could have, with a string-prefix check.
  it.each([
    ["/\\evil.example/phish", "backslash read as a slash"],
    ["/\t/evil.example/phish", "tab dropped by the URL parser (%09 after query decoding)"],
    ["/\n/evil.example", "newline dropped"],
    ["/\r\n/evil.example", "CR LF dropped"],
    ["//evil.example", "scheme-relative"],
    ["///evil.example", "three slashes"],
    ["\\\\evil.example", "two backslashes"],
    ["\\/evil.example", "backslash then slash"],
    [" //evil.example", "leading space stripped"],
    ["\u0000//evil.example", "leading NUL stripped"],
    ["https://evil.example/", "absolute, other host"],
    ["http://localhost:3001/map", "same host, other port"],
    ["https://localhost:3000/map", "same host, other scheme"],
    ["http://localhost:3000@evil.example/", "userinfo trick"],
    ["javascript:alert(document.domain)", "javascript: URL"],
    ["JaVaScRiPt:alert(1)", "javascript: in mixed case"],
    ["java\tscript:alert(1)", "javascript: with a tab inside"],
    ["data:text/html,<script>alert(1)</script>", "data: URL"],
    ["vbscript:msgbox(1)", "vbscript: URL"],
    ["/..//evil.example", "dot segments normalised to //"],
    ["/.//evil.example", "single dot normalised to //"],
    ["https:evil.example", "other scheme without slashes"],
    ["http://[::1", "unparseable"],
  ])("refuses %j (%s)", (requested) => {
    expect(safeCallbackPath(requested, ORIGIN)).toBe(DEFAULT_AFTER_LOGIN);
  });

  it.each([
    ["/map", "/map"],
    ["/admin/vehicles?q=KDV#list", "/admin/vehicles?q=KDV#list"],
    [`${ORIGIN}/admin`, "/admin"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
    ["/map/../admin", "/admin"],
    ["http:evil.example", "/evil.example"],
  ])("keeps the same-site path %j as %j", (requested, expected) => {
    expect(safeCallbackPath(requested, ORIGIN)).toBe(expected);
  });

  it("uses the default when nothing is asked", () => {
    expect(safeCallbackPath(undefined, ORIGIN)).toBe(DEFAULT_AFTER_LOGIN);
    expect(safeCallbackPath("", ORIGIN)).toBe(DEFAULT_AFTER_LOGIN);
  });
});
