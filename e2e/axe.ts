import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** A serious violation accepted on purpose: its rule, the nodes it covers (by axe's selector) and why. */
export interface KnownViolation {
  rule: string;
  target: RegExp;
  why: string;
}

/** WCAG 2.0, 2.1 and 2.2 success criteria, levels A and AA. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Runs axe (WCAG 2 A and AA rules) and fails on every serious or critical violation, listed one node a line. */
export async function expectNoSeriousViolations(page: Page, what: string, known: KnownViolation[] = []) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const found = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes
        .filter((node) => !known.some((k) => k.rule === v.id && k.target.test(node.target.join(" "))))
        .map((node) => `${v.impact} ${v.id} (${v.help}) at ${node.target.join(" ")}: ${node.failureSummary?.replace(/\s+/g, " ")}`),
    );
  expect(found, `${what}: serious or critical accessibility violations`).toEqual([]);
}
