import { networkInterfaces } from 'node:os';
import { refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';

/** `ipaddr`: answers with the machine's addresses, once per address, as the codelab does. */
export const ipaddr: EventHandler = (context, socket) => {
  if (!context.exposeAddresses) {
    refuse(context, socket, 'ipaddr', 'disabled', 'this server does not publish its addresses');
    return;
  }
  for (const address of lanAddresses(context.boundAddress())) socket.emit('ipaddr', address);
};

/**
 * The machine's non-loopback IPv4 addresses that reach this server, as the codelab's `ipaddr`
 * lists them: every one when the server listens on all interfaces, the one it is bound to
 * otherwise, and none when it listens on loopback alone (Vite's dev server by default), where a
 * link to another address would be a dead link.
 */
function lanAddresses(bound: string | undefined): string[] {
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((details) => details !== undefined && details.family === 'IPv4' && !details.internal)
    .map((details) => (details as { address: string }).address);
  if (bound === undefined || bound === '::' || bound === '0.0.0.0') return all;
  return all.filter((address) => address === bound || `::ffff:${address}` === bound);
}
