import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { filterAccepts } from '../http/accept-filter.ts';

let server: Server | undefined;

afterEach(async () => {
  server?.close();
  if (server?.listening) await once(server, 'close');
  server = undefined;
});

/** Connects from `localAddress`; resolves with what it read before the server closed it. */
async function greeting(port: number, localAddress: string): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  let read = '';
  socket.on('data', (chunk: Buffer) => {
    read += String(chunk);
  });
  socket.on('error', () => {});
  await once(socket, 'close');
  return read;
}

async function listening(filter?: (server: Server) => void): Promise<number> {
  server = createServer((socket) => socket.end('hello'));
  filter?.(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('filterAccepts', () => {
  it('closes a dropped address as it is accepted, before any socket or `connection`', async () => {
    const seen: string[] = [];
    const port = await listening((server) => {
      filterAccepts(server, (address) => address === '127.0.0.2');
      server.on('connection', (socket) => seen.push(socket.remoteAddress ?? ''));
    });
    expect(await greeting(port, '127.0.0.2')).toBe('');
    expect(await greeting(port, '127.0.0.3')).toBe('hello');
    expect(seen).toEqual(['127.0.0.3']);
  });

  it('takes one filter off and keeps another on the same server', async () => {
    let stopFirst = () => {};
    const port = await listening((server) => {
      stopFirst = filterAccepts(server, (address) => address === '127.0.0.2').stop;
      filterAccepts(server, (address) => address === '127.0.0.3');
    });
    stopFirst();
    expect(await greeting(port, '127.0.0.2')).toBe('hello');
    expect(await greeting(port, '127.0.0.3')).toBe('');
  });

  it('filters a server that was already listening, and again after it listens anew', async () => {
    const port = await listening();
    const active = server as Server;
    filterAccepts(active, (address) => address === '127.0.0.2');
    expect(await greeting(port, '127.0.0.2')).toBe('');
    active.close();
    await once(active, 'close');
    active.listen(0, '127.0.0.1');
    await once(active, 'listening');
    const again = (active.address() as AddressInfo).port;
    expect(await greeting(again, '127.0.0.2')).toBe('');
    expect(await greeting(again, '127.0.0.4')).toBe('hello');
  });
});
