// @ts-check
/**
 * The two baselines the benchmark runs beside the production server, one per process:
 * `node servers.mjs ws` (a minimal relay on raw `ws` with the same room rules) and
 * `node servers.mjs codelab` (the codelab's step-04 server on Socket.IO: every message goes
 * to every socket, and a `log` line goes back to the sender). Both print their URL like main.js.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';

const ROOM_NAME = /^(?:[\p{L}\p{Nd}]\p{M}*|[-_.])+$/u;
const CAPACITY = 2;

const kind = process.argv[2];
const http = createServer((_request, response) => {
  response.statusCode = 404;
  response.end();
});

if (kind === 'ws') {
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    clientTracking: false,
  });
  /** @type {Map<string, import('ws').WebSocket[]>} */
  const rooms = new Map();
  let nextId = 0;
  wss.on('connection', (ws) => {
    const id = `c${nextId++}`;
    /** @type {string | undefined} */
    let room;
    /** @param {unknown[]} frame */
    const send = (frame) => ws.send(JSON.stringify(frame));
    const leave = () => {
      if (room === undefined) return;
      const members = (rooms.get(room) ?? []).filter((member) => member !== ws);
      if (members.length === 0) rooms.delete(room);
      else rooms.set(room, members);
      for (const member of members) member.send(JSON.stringify(['bye', room]));
      room = undefined;
    };
    ws.on('message', (data, isBinary) => {
      /** @type {unknown} */
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        send(['signaling:error', { code: 'invalid-payload' }]);
        return;
      }
      if (!Array.isArray(frame)) return;
      const [event, arg] = frame;
      if (event === 'message') {
        if (room === undefined) return;
        // The frame goes on as it came: the practical floor for a relay that checks the event.
        for (const member of rooms.get(room) ?? []) {
          if (member !== ws) member.send(data, { binary: isBinary });
        }
      } else if (event === 'create or join') {
        if (typeof arg !== 'string' || arg.length > 64 || !ROOM_NAME.test(arg.normalize('NFC'))) {
          send(['signaling:error', { code: 'invalid-room' }]);
          return;
        }
        if (room !== undefined) {
          send(['signaling:error', { code: 'already-in-room' }]);
          return;
        }
        const name = arg.normalize('NFC');
        const members = rooms.get(name) ?? [];
        if (members.length >= CAPACITY) {
          send(['full', name]);
          return;
        }
        room = name;
        if (members.length === 0) {
          rooms.set(name, [ws]);
          send(['created', name, id]);
          return;
        }
        for (const member of members) member.send(JSON.stringify(['join', name]));
        members.push(ws);
        send(['joined', name, id]);
        for (const member of members) member.send(JSON.stringify(['ready']));
      } else if (event === 'bye') {
        leave();
      }
    });
    ws.on('close', leave);
  });
} else if (kind === 'codelab') {
  // The codelab's index.js, step 04, on Socket.IO 4 (its room count fixed to the room's own,
  // or no second room could ever open); its relay and its log mirror as they were.
  const io = new Server(http);
  io.on('connection', (socket) => {
    /** @param {unknown[]} parts */
    const log = (...parts) => socket.emit('log', ['Message from server:', ...parts]);
    socket.on('message', (message) => {
      log('Client said: ', message);
      socket.broadcast.emit('message', message);
    });
    socket.on('create or join', (room) => {
      log(`Received request to create or join room ${room}`);
      const clients = io.sockets.adapter.rooms.get(room)?.size ?? 0;
      log(`Room ${room} now has ${clients} client(s)`);
      if (clients === 0) {
        socket.join(room);
        socket.emit('created', room, socket.id);
      } else if (clients === 1) {
        io.sockets.in(room).emit('join', room);
        socket.join(room);
        socket.emit('joined', room, socket.id);
        io.sockets.in(room).emit('ready');
      } else {
        socket.emit('full', room);
      }
    });
  });
} else {
  console.error('[bench] usage: node servers.mjs ws|codelab');
  process.exit(2);
}

// The same accept backlog as main.ts, so a burst of connections is met alike.
http.listen(
  { port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1', backlog: 4096 },
  () => {
    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    console.log(`[bench] ${kind} baseline on http://127.0.0.1:${port}/`);
  },
);
process.once('SIGTERM', () => process.exit(0));
