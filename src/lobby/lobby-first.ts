// A temporary way in, until the call view shows the join screen itself: `/room?lobby` shows
// <join-screen> first, and Join hands over to <rooms-app>, which joins with the name the
// screen remembered (src/lobby/profile.ts) and the PIN it kept for this tab. Imported by
// src/main.ts before the app's elements are defined, so <rooms-app> is taken out of the page
// before it could connect.
import '../components/join-screen.ts';
import { roomFromPath } from '../room-path.ts';
import { rememberPin } from './pins.ts';
import { ownPeek } from './room-peek.ts';

const route = roomFromPath(location.pathname);
const app = document.querySelector('rooms-app');
if (new URLSearchParams(location.search).has('lobby') && app && route.kind === 'room') {
  app.remove();
  const screen = document.createElement('join-screen');
  const peek = ownPeek();
  screen.room = route.room;
  screen.peek = peek;
  screen.addEventListener('lobby-join', ({ detail }) => {
    if (detail.pin !== undefined) rememberPin(route.room, detail.pin);
    // Today's call view opens its own camera when asked: the preview's tracks stop here.
    for (const track of detail.stream?.getTracks() ?? []) track.stop();
    peek.close();
    screen.replaceWith(app);
  });
  document.body.prepend(screen);
}
