import { expectNoSeriousViolations } from './axe.ts';
import { test } from './fixtures.ts';

// axe-core scans (e2e/axe.ts) of the screens as people meet them: no serious or critical
// violation. The join screen's own scans are in join-screen.spec.ts, those of a call of two
// and of four joined through it in call-view.spec.ts; here, the call of tabs that skipped it.

test('the room screen of two seated members', async ({ openPair, room }) => {
  const [first, second] = await openPair(`/${room}`);
  await expectNoSeriousViolations(first.page, 'the first member’s room screen');
  await expectNoSeriousViolations(second.page, 'the second member’s room screen');
});
