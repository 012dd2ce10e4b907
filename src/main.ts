// Registers the app's custom elements; index.html places <rooms-app>.
import './components/rooms-app.ts';
