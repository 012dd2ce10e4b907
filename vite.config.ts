import { defineConfig, type Plugin } from 'vite';
import { readConfig } from './server/cli/config.ts';
import {
  APP_CONTENT_SECURITY_POLICY,
  DEV_CONTENT_SECURITY_POLICY,
} from './server/http/app-policy.ts';
import { signaling } from './server/vite/index.ts';

// `npm run dev` reads the room capacity as the production command does (`ROOM_CAPACITY=4 npm
// run dev` makes rooms of four); the port and host are Vite's own.
const { roomCapacity } = readConfig(process.env);

/**
 * Minifies the components' stylesheets (Lit's css`…` literals without `${}`) in the build:
 * comments and whitespace out, about 0.75 KB gzip of the shipped JS.
 */
function minifyLitCss(): Plugin {
  const minify = (text: string) =>
    text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};,>])\s*/g, '$1')
      .replace(/:\s+/g, ':')
      .replace(/;}/g, '}')
      .trim();
  return {
    name: 'minify-lit-css',
    apply: 'build',
    transform(code, id) {
      if (!/\/src\/.*\.ts$/.test(id) || !code.includes('css`')) return null;
      return code.replace(/\bcss`([^`$]*)`/g, (_, body: string) => `css\`${minify(body)}\``);
    },
  };
}

export default defineConfig({
  plugins: [signaling({ roomCapacity }), minifyLitCss()],
  // The production command sends the same policy (server/cli/main.ts). Development's differs
  // in one place, inline styles for Vite's error overlay: see DEV_CONTENT_SECURITY_POLICY.
  // .cache/ holds the Node binaries and the container test's podman storage (tens of thousands
  // of files, whole root filesystems mounted while it runs): nothing the dev server serves.
  server: {
    headers: { 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY },
    watch: { ignored: ['**/.cache/**'] },
  },
  preview: { headers: { 'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY } },
});
