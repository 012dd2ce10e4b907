import { defineConfig } from 'vite';
import { readConfig } from './server/cli/config.ts';
import { signaling } from './server/vite/index.ts';

// `npm run dev` reads the room capacity as the production command does (`ROOM_CAPACITY=4 npm
// run dev` makes rooms of four); the port and host are Vite's own.
const { roomCapacity } = readConfig(process.env);

export default defineConfig({
  plugins: [signaling({ roomCapacity })],
});
