import { defineConfig } from 'vite';
import { signaling } from './server/vite/index.ts';

export default defineConfig({
  plugins: [signaling()],
});
