/**
 * The baselines the benchmark runs beside the production server, one per process (run.ts
 * compiles this file once, so no TypeScript loader runs in the server under test):
 *
 * - `ws`: a minimal relay on raw `ws` with the same room rules;
 * - `socket.io`: the bare Socket.IO relay, the codelab's room rules (`create or join` answered
 *   `created`, `joined` or `full`; `message` relayed to the sender's room) and nothing else: no
 *   validation, no rate limits, no metrics, no recovery;
 * - `codelab`: the codelab's step-04 server on Socket.IO: every message goes to every socket,
 *   and a `log` line goes back to the sender.
 *
 * Each prints its URL as main.js does.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

/** The baselines, by the name run.ts passes as the first argument (it imports the type only). */
export const BASELINES = ['ws', 'socket.io', 'codelab'] as const;
/** One baseline's name. */
export type Baseline = (typeof BASELINES)[number];

const ROOM_NAME = /^(?:[\p{L}\p{Nd}]\p{M}*|[-_.])+$/u;
const CAPACITY = 2;

/** The raw `ws` relay: the practical floor for a relay that checks the event. */
function rawWs(http: ReturnType<typeof createServer>): void {
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const rooms = new Map<string, WebSocket[]>();
  let nextId = 0;
  wss.on('connection', (ws) => {
    const id = `c${nextId++}`;
    let room: string | undefined;
    const send = (frame: unknown[]) => ws.send(JSON.stringify(frame));
    const leave = () => {
      if (room === undefined) return;
      const members = (rooms.get(room) ?? []).filter((member) => member !== ws);
      if (members.length === 0) rooms.delete(room);
      else rooms.set(room, members);
      for (const member of members) member.send(JSON.stringify(['bye', room]));
      room = undefined;
    };
    const join = (arg: unknown) => {
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
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let frame: unknown;
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
        // The frame goes on as it came.
        for (const member of rooms.get(room) ?? []) {
          if (member !== ws) member.send(data, { binary: isBinary });
        }
      } else if (event === 'create or join') join(arg);
      else if (event === 'bye') leave();
    });
    ws.on('close', leave);
  });
}

/**
 * The bare Socket.IO relay, written as a Socket.IO user would: the same socket.io version and
 * defaults as ours, the codelab's rules with its room count fixed, and nothing else.
 */
function bareSocketIo(http: ReturnType<typeof createServer>): void {
  const io = new Server(http);
  io.on('connection', (socket) => {
    socket.on('create or join', (room: string) => {
      const clients = io.sockets.adapter.rooms.get(room)?.size ?? 0;
      if (clients === 0) {
        socket.join(room);
        socket.data.room = room;
        socket.emit('created', room, socket.id);
      } else if (clients === 1) {
        io.in(room).emit('join', room);
        socket.join(room);
        socket.data.room = room;
        socket.emit('joined', room, socket.id);
        io.in(room).emit('ready');
      } else {
        socket.emit('full', room);
      }
    });
    socket.on('message', (message: unknown) => {
      const room: string | undefined = socket.data.room;
      if (room !== undefined) socket.to(room).emit('message', message);
    });
  });
}

/**
 * The codelab's index.js, step 04, on Socket.IO 4 (its room count fixed to the room's own, or
 * no second room could ever open); its relay and its log mirror as they were.
 */
function codelab(http: ReturnType<typeof createServer>): void {
  const io = new Server(http);
  io.on('connection', (socket) => {
    const log = (...parts: unknown[]) => socket.emit('log', ['Message from server:', ...parts]);
    socket.on('message', (message: unknown) => {
      log('Client said: ', message);
      socket.broadcast.emit('message', message);
    });
    socket.on('create or join', (room: string) => {
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
}

/** Starts baseline `kind` on PORT and HOST and prints its URL. */
function main(kind: string | undefined): void {
  const http = createServer((_request, response) => {
    response.statusCode = 404;
    response.end();
  });
  if (kind === 'ws') rawWs(http);
  else if (kind === 'socket.io') bareSocketIo(http);
  else if (kind === 'codelab') codelab(http);
  else {
    console.error(`[bench] usage: node servers.js ${BASELINES.join('|')}`);
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
}

main(process.argv[2]);
