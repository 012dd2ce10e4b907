import { defineConfig } from 'vite';
import {
  APP_CONTENT_SECURITY_POLICY,
  DEV_CONTENT_SECURITY_POLICY,
} from './server/http/app-policy.ts';
import { signaling } from './server/vite/index.ts';

export default defineConfig({
  plugins: [signaling()],
  // The production command sends the same policy (server/cli/main.ts). Development's differs
  // in one place, inline styles for Vite's error overlay: see DEV_CONTENT_SECURITY_POLICY.
  server: { headers: { 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY } },
  preview: { headers: { 'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY } },
});
