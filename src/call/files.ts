import { type Control, parseControl, RECEIVED_TYPE, safeFileName } from './file-control.ts';
import type { FileTransfer, ListedTransfer, TransferStatus } from './types.ts';

/** 16 KiB crosses every browser's SCTP stack, Firefox ↔ Chromium included. */
const CHUNK_BYTES = 16 * 1024;
/** Stop queueing past this much in the channel's buffer; resume when it drains below LOW. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** The size limit of a file unless told otherwise: a received file is held in memory. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const TRANSFER_LIMIT = 20;
/**
 * Progress is drawn at most this often: a render per 16 KiB chunk keeps the main thread busy
 * enough on a slow machine to miss the signaling heartbeat.
 */
const PROGRESS_MS = 100;

/** Where an incoming file is being put together. */
interface Incoming {
  transfer: FileTransfer;
  chunks: ArrayBuffer[];
  startedAt: number;
}

/** Where an outgoing file stands, and how to stop it. */
interface Outgoing {
  transfer: FileTransfer;
  cancelled: boolean;
}

/**
 * Files over one link's `files` data channel: one file at a time each way, in 16 KiB chunks
 * after a `file:start` line, paced by the channel's buffered amount
 * (`bufferedAmountLowThreshold`) so a large file never floods it, with progress on both
 * sides, cancel from either side, a size limit, and a SHA-256 checked on arrival. What the
 * other side sends is input: a file that brings more bytes than it announced is stopped at
 * once, its name is cleaned, and the type it announced is ignored (see `RECEIVED_TYPE`).
 */
export class FileChannel {
  /** Transfers of this link, newest last. */
  transfers: FileTransfer[] = [];
  readonly maxBytes: number;

  readonly #channel: RTCDataChannel;
  readonly #changed: () => void;
  #closed = false;
  #incoming: Incoming | null = null;
  #outgoing: Outgoing | null = null;
  #nextId = 0;
  #progressTimer: ReturnType<typeof setTimeout> | undefined;

  /** @param changed called whenever something on screen changed. */
  constructor(channel: RTCDataChannel, changed: () => void, maxBytes = DEFAULT_MAX_FILE_BYTES) {
    this.#channel = channel;
    this.#changed = changed;
    this.maxBytes = maxBytes;
    channel.binaryType = 'arraybuffer';
    channel.onopen = () => this.#update();
    channel.onclose = () => this.#update();
    channel.onmessage = ({ data }) => {
      if (this.#closed) return;
      if (typeof data === 'string') void this.#onControl(channel, data);
      else if (data instanceof ArrayBuffer) this.#onChunk(channel, data);
    };
  }

  /** Whether a file can be sent now (the channel is open and nothing is going out). */
  get ready(): boolean {
    return !this.#closed && this.#channel.readyState === 'open' && this.#outgoing === null;
  }

  /** Whether a file is going out. */
  get sending(): boolean {
    return this.#outgoing !== null;
  }

  /** The link closed: what was under way fails; finished files (and their links) stay. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#progressTimer);
    this.#progressTimer = undefined;
    for (const under of [this.#outgoing, this.#incoming]) {
      if (under) this.#finish(under.transfer, 'failed', 'the call ended');
    }
    if (this.#outgoing) this.#outgoing.cancelled = true;
    this.#outgoing = null;
    this.#incoming = null;
    this.#channel.onmessage = null;
    this.#channel.close();
  }

  /** Frees the memory of the received files' save links. */
  forget(): void {
    for (const transfer of this.transfers) if (transfer.url) URL.revokeObjectURL(transfer.url);
  }

  /** Sends `file` over this link; refuses it (as a failed transfer) over the limit. */
  async send(file: File): Promise<void> {
    const channel = this.#channel;
    if (!this.ready) return;
    const transfer = this.#add({ direction: 'send', name: file.name, size: file.size });
    if (file.size > this.maxBytes) {
      this.#finish(transfer, 'failed', `larger than the limit of ${mib(this.maxBytes)}`);
      return;
    }
    const outgoing: Outgoing = { transfer, cancelled: false };
    this.#outgoing = outgoing;
    this.#update();
    const startedAt = performance.now();
    try {
      const bytes = await file.arrayBuffer();
      this.#sendControl(channel, {
        type: 'file:start',
        id: transfer.id,
        name: file.name,
        size: file.size,
        mime: file.type,
      });
      channel.bufferedAmountLowThreshold = LOW_WATER;
      for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
        if (channel.bufferedAmount > HIGH_WATER) await drained(channel);
        if (outgoing.cancelled || channel.readyState !== 'open') return;
        channel.send(bytes.slice(offset, offset + CHUNK_BYTES));
        this.#progress(transfer, Math.min(bytes.byteLength, offset + CHUNK_BYTES));
      }
      const sha256 = await digest(bytes);
      if (outgoing.cancelled || channel.readyState !== 'open') return;
      this.#sendControl(channel, { type: 'file:end', id: transfer.id, sha256 });
      transfer.sha256 = sha256;
      transfer.ms = Math.round(performance.now() - startedAt);
      this.#finish(transfer, 'done');
    } catch (error) {
      this.#finish(transfer, 'failed', String(error));
    } finally {
      if (this.#outgoing === outgoing) this.#outgoing = null;
      this.#update();
    }
  }

  /** Stops a transfer under way, either way; the other side is told and drops it too. */
  cancel(id: string): void {
    const reason = 'cancelled here';
    if (this.#outgoing?.transfer.id === id) {
      this.#outgoing.cancelled = true;
      this.#finish(this.#outgoing.transfer, 'cancelled', reason);
    } else if (this.#incoming?.transfer.id === id) {
      this.#finish(this.#incoming.transfer, 'cancelled', reason);
      this.#incoming = null;
    } else {
      return;
    }
    if (this.#channel.readyState === 'open')
      this.#sendControl(this.#channel, { type: 'file:cancel', id, reason: 'cancelled by them' });
    this.#update();
  }

  async #onControl(channel: RTCDataChannel, text: string): Promise<void> {
    const control = parseControl(text);
    if (!control) return;
    if (control.type === 'file:start') {
      if (this.#incoming) this.#finish(this.#incoming.transfer, 'failed', 'a new file started');
      const transfer = this.#add({
        direction: 'receive',
        id: control.id,
        name: safeFileName(control.name),
        size: control.size,
      });
      if (control.size > this.maxBytes) {
        this.#finish(transfer, 'failed', `larger than the limit of ${mib(this.maxBytes)}`);
        this.#sendControl(channel, {
          type: 'file:cancel',
          id: control.id,
          reason: `refused: larger than their limit of ${mib(this.maxBytes)}`,
        });
        return;
      }
      this.#incoming = { transfer, chunks: [], startedAt: performance.now() };
    } else if (control.type === 'file:cancel') {
      const under = [this.#outgoing, this.#incoming].find((u) => u?.transfer.id === control.id);
      if (!under) return;
      if (under === this.#outgoing) this.#outgoing.cancelled = true;
      else this.#incoming = null;
      this.#finish(under.transfer, 'cancelled', control.reason);
    } else {
      await this.#onEnd(control.id, control.sha256);
    }
    this.#update();
  }

  #onChunk(channel: RTCDataChannel, chunk: ArrayBuffer): void {
    const incoming = this.#incoming;
    // Chunks still in flight after a cancel belong to nobody.
    if (!incoming) return;
    const { transfer } = incoming;
    const bytes = transfer.bytes + chunk.byteLength;
    // The size was checked against the limit at the start; the bytes are checked as they come,
    // or a peer that announces 10 bytes could fill this tab's memory.
    if (bytes > Math.min(transfer.size, this.maxBytes)) {
      this.#incoming = null;
      const announced = formatSize(transfer.size);
      this.#finish(transfer, 'cancelled', `stopped: more than the ${announced} announced arrived`);
      this.#sendControl(channel, {
        type: 'file:cancel',
        id: transfer.id,
        reason: `refused: more than the ${announced} announced`,
      });
      this.#update();
      return;
    }
    incoming.chunks.push(chunk);
    this.#progress(transfer, bytes);
  }

  async #onEnd(id: string, sha256: string): Promise<void> {
    const incoming = this.#incoming;
    if (incoming?.transfer.id !== id) return;
    this.#incoming = null;
    const { transfer } = incoming;
    const blob = new Blob(incoming.chunks, { type: RECEIVED_TYPE });
    transfer.ms = Math.round(performance.now() - incoming.startedAt);
    if (blob.size !== transfer.size) {
      this.#finish(transfer, 'failed', `${blob.size} of ${transfer.size} bytes arrived`);
      return;
    }
    transfer.sha256 = await digest(await blob.arrayBuffer());
    transfer.verified = transfer.sha256 === sha256;
    transfer.url = URL.createObjectURL(blob);
    if (transfer.verified) this.#finish(transfer, 'done');
    else this.#finish(transfer, 'failed', 'the SHA-256 does not match the sender’s');
  }

  #add(fields: Pick<FileTransfer, 'direction' | 'name' | 'size'> & { id?: string }) {
    const transfer: FileTransfer = {
      id: fields.id ?? `${Date.now().toString(36)}-${this.#nextId++}`,
      direction: fields.direction,
      name: fields.name.slice(0, 255),
      size: fields.size,
      bytes: 0,
      status: 'active',
      reason: '',
      ms: null,
      sha256: null,
      verified: null,
      url: null,
    };
    const kept = this.transfers.slice(1 - TRANSFER_LIMIT);
    for (const old of this.transfers.slice(0, -TRANSFER_LIMIT + 1)) {
      if (old.url) URL.revokeObjectURL(old.url);
    }
    this.transfers = [...kept, transfer];
    return transfer;
  }

  #progress(transfer: FileTransfer, bytes: number): void {
    transfer.bytes = bytes;
    this.#progressTimer ??= setTimeout(() => {
      this.#progressTimer = undefined;
      // A new array, so the panel re-renders.
      this.transfers = [...this.transfers];
      this.#update();
    }, PROGRESS_MS);
  }

  #finish(transfer: FileTransfer, status: TransferStatus, reason = ''): void {
    if (transfer.status !== 'active') return;
    transfer.status = status;
    transfer.reason = reason;
    this.transfers = [...this.transfers];
  }

  #sendControl(channel: RTCDataChannel, control: Control): void {
    channel.send(JSON.stringify(control));
  }

  #update(): void {
    this.#changed();
  }
}

/** Resolves once the channel's buffer drains below its low threshold (or it closes). */
function drained(channel: RTCDataChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.removeEventListener('bufferedamountlow', done);
      channel.removeEventListener('close', done);
      resolve();
    };
    channel.addEventListener('bufferedamountlow', done);
    channel.addEventListener('close', done);
  });
}

async function digest(bytes: ArrayBuffer): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : mib(bytes);
}

/** Transfers of links now closed, kept on screen (the last 20) so their files can be saved. */
export class RetiredFiles {
  list: ListedTransfer[] = [];

  keep(transfers: ListedTransfer[]): void {
    const kept = [...this.list, ...transfers];
    for (const old of kept.slice(0, -20)) if (old.url) URL.revokeObjectURL(old.url);
    this.list = kept.slice(-20);
  }

  /** Drops them, and the memory their save links hold. */
  forget(): void {
    for (const transfer of this.list) if (transfer.url) URL.revokeObjectURL(transfer.url);
    this.list = [];
  }
}
