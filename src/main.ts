// The app of this repository: the package's client entry registers the custom elements, and
// index.html places <rooms-app>.
import './index.ts';
