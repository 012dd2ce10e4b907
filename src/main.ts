// The app of this repository: the package's client entry registers the custom elements, and
// index.html places <rooms-app>, which shows a room's join screen first (`?join` skips it, see
// src/components/rooms-app.ts). `?check` on a room's URL runs the pre-call check (src/check/)
// in its place, before any seat is asked for.
import { roomFromPath } from './room-path.ts';

if (new URLSearchParams(location.search).has('check')) {
  const check = document.createElement('call-check');
  const path = roomFromPath(location.pathname);
  if (path.kind === 'room') check.setAttribute('room', path.room);
  document.querySelector('rooms-app')?.replaceWith(check);
  void import('./check/call-check.ts');
} else {
  void import('./index.ts');
}
