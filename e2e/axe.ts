import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/**
 * Scans `page` as it is now with axe-core (WCAG 2.1 A and AA rules, open shadow roots
 * included) and fails listing every serious or critical violation, each with the elements it
 * found. `what` names the screen in the failure. Call it once the screen shows what it is
 * meant to (the join screen with its devices, a call with its tiles playing).
 */
export async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .map((node) => JSON.stringify(node.target))
          .join(', ')}`,
    );
  expect(serious, `axe-core on ${what}`).toEqual([]);
}
