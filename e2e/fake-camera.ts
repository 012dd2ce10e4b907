import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WIDTH = 160;
const HEIGHT = 120;
const FPS = 10;
const FRAMES = 20;

/**
 * A small moving picture for Chromium's fake camera (`--use-file-for-fake-video-capture`),
 * written once per machine, and its path. Chromium's own fake camera sends 640x480 at 20 fps:
 * on two shared cores, encoding and decoding that in two tabs made the first video frame take
 * longer than the tests' patience. 160x120 at 10 fps still proves video flows (frames decode,
 * bytes keep arriving), and a bar that moves keeps the encoder sending.
 */
export function fakeCameraFile(): string {
  const path = join(tmpdir(), `webrtc-rooms-camera-${WIDTH}x${HEIGHT}-${FPS}fps-v1.y4m`);
  if (existsSync(path)) return path;
  const luma = WIDTH * HEIGHT;
  const chroma = luma / 4;
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const frames: Buffer[] = [header];
  for (let frame = 0; frame < FRAMES; frame++) {
    const picture = Buffer.alloc(luma + 2 * chroma, 128);
    const barAt = Math.floor((frame * WIDTH) / FRAMES);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const onBar = x >= barAt && x < barAt + WIDTH / 8;
        picture[y * WIDTH + x] = onBar ? 235 : 16 + ((x + y) % 64);
      }
    }
    frames.push(Buffer.from('FRAME\n'), picture);
  }
  // Written aside and renamed, so a second process never reads half a file.
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, Buffer.concat(frames));
  renameSync(partial, path);
  return path;
}
