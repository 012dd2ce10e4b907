import { defineConfig } from 'vite';
import { signaling } from './server/vite-plugin.ts';

export default defineConfig({
  plugins: [signaling()],
});
