import { defineConfig } from 'vite';
import { signaling } from './server/vite/index.ts';

export default defineConfig({
  plugins: [signaling()],
  // .cache/ holds the Node binaries and the container test's podman storage (tens of thousands
  // of files, whole root filesystems mounted while it runs): nothing the dev server serves.
  server: { watch: { ignored: ['**/.cache/**'] } },
});
