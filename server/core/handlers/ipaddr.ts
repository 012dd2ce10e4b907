import { networkInterfaces } from 'node:os';
import { refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';

/** `ipaddr`: answers with the machine's addresses, once per address, as the codelab does. */
export const ipaddr: EventHandler = (context, socket) => {
  if (!context.exposeAddresses) {
    refuse(context, socket, 'ipaddr', 'disabled', 'this server does not publish its addresses');
    return;
  }
  for (const address of lanAddresses()) socket.emit('ipaddr', address);
};

/** The machine's non-loopback IPv4 addresses, as the codelab's `ipaddr` lists them. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((details) => details !== undefined && details.family === 'IPv4' && !details.internal)
    .map((details) => (details as { address: string }).address);
}
