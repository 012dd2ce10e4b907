// The app of this repository: the package's client entry registers the custom elements, and
// index.html places <rooms-app>. `?lobby` shows the join screen first (temporary, see there).
import './lobby/lobby-first.ts';
import './index.ts';
