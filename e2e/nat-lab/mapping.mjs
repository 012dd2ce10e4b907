// @ts-check
// How a router maps a home's UDP flows, seen from "the internet". Run inside a namespace:
//   node mapping.mjs serve <address> <port> <port>   answers each datagram with its source
//   node mapping.mjs probe <address> <port> <port>   sends from one socket to both ports and
//                                                    prints what each saw (or `none`)
import { createSocket } from 'node:dgram';

const [mode, address, ...ports] = process.argv.slice(2);
if (mode === 'serve') {
  for (const port of ports) {
    const socket = createSocket('udp4');
    socket.on('message', (_, from) =>
      socket.send(`${from.address}:${from.port}`, from.port, from.address),
    );
    socket.bind(Number(port), address);
  }
  console.log('serving');
} else {
  const socket = createSocket('udp4');
  /** @type {Map<string, string>} */
  const seen = new Map();
  socket.on('message', (message, from) => seen.set(String(from.port), message.toString()));
  socket.bind(0, () => {
    for (const port of ports) socket.send('map?', Number(port), address);
  });
  // Loopback-fast answers, or none at all where the router drops UDP.
  setTimeout(() => {
    console.log(JSON.stringify(ports.map((port) => seen.get(port) ?? 'none')));
    socket.close();
  }, 1000);
}
