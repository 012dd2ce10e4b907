import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { NGINX_TEMPLATE, nginxConfig } from '../fleet/fleet.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test("compose.yaml's nginx runs the fleet's nginx configuration, in front of compose's signaling services", () => {
  const composeConfig = read('server/fleet/nginx.compose.conf');
  const upstream = [...composeConfig.matchAll(/^\s+server (\S+) /gm)].map((match) => match[1]);
  expect(upstream).toEqual(['signaling-1:8080', 'signaling-2:8080']);
  const body = composeConfig.replace(/^(#.*\n)+?(?=# nginx in front)/, '');
  expect(body).toBe(
    nginxConfig(readFileSync(NGINX_TEMPLATE, 'utf8'), '8080', upstream as string[]),
  );
  const compose = read('compose.yaml');
  for (const server of upstream) {
    expect(compose).toMatch(new RegExp(`^  ${server?.split(':')[0]}: \\*signaling$`, 'm'));
  }
  expect(compose).toContain('./server/fleet/nginx.compose.conf:/etc/nginx/nginx.conf:ro');
});
