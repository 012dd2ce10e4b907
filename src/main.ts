// The app of this repository: the package's client entry registers the custom elements, and
// index.html places <rooms-app>. `?check` on a room's URL runs the pre-call check
// (src/check/) in its place, before any seat is asked for; `?lobby` shows the join screen
// first (temporary, see there).
import { roomFromPath } from './room-path.ts';

if (new URLSearchParams(location.search).has('check')) {
  const check = document.createElement('call-check');
  const path = roomFromPath(location.pathname);
  if (path.kind === 'room') check.setAttribute('room', path.room);
  document.querySelector('rooms-app')?.replaceWith(check);
  void import('./check/call-check.ts');
} else {
  void import('./lobby/lobby-first.ts').then(() => import('./index.ts'));
}
