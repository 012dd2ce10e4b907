import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { explainMediaError } from '../media-errors.ts';

/** A capture device a person can pick. */
export interface DeviceChoice {
  id: string;
  label: string;
}

/** What the preview hands to the call when the person joins. */
export interface PreviewResult {
  /** The live preview (the tracks that are on), to be used by the call as they are. */
  stream: MediaStream | null;
  audio: { deviceId: string | null; enabled: boolean };
  video: { deviceId: string | null; enabled: boolean };
}

type Kind = 'audio' | 'video';

/**
 * The camera and microphone before a call: the devices there are (`enumerateDevices`, names
 * once permission is given), a live stream from the ones picked, and the toggles. The
 * microphone toggle mutes its track (so unmuting is instant); the camera toggle stops its track
 * (its light goes off). The stream is stopped when the host goes, unless it was handed over
 * ({@link handOver}).
 */
export class PreviewMedia implements ReactiveController {
  microphones: DeviceChoice[] = [];
  cameras: DeviceChoice[] = [];
  audioId: string | null = null;
  videoId: string | null = null;
  audioOn = true;
  videoOn = true;
  /** Why a device could not start, in words for a person; empty when all is well. */
  problem = '';
  /** The preview's stream; a new object whenever its tracks change. */
  stream: MediaStream | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #tracks: Partial<Record<Kind, MediaStreamTrack>> = {};
  #handedOver = false;
  #started = false;

  constructor(host: ReactiveControllerHost, preferred: { audio?: string; video?: string } = {}) {
    this.#host = host;
    this.audioId = preferred.audio ?? null;
    this.videoId = preferred.video ?? null;
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.#listDevices);
    if (!this.#started) {
      this.#started = true;
      void this.#open({ audio: true, video: true });
    }
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.#listDevices);
    if (!this.#handedOver) this.stop();
  }

  /** Mutes or unmutes the microphone (opening it first if it is not open). */
  async setAudio(on: boolean): Promise<void> {
    this.audioOn = on;
    const track = this.#tracks.audio;
    if (track) track.enabled = on;
    else if (on) await this.#open({ audio: true });
    this.#host.requestUpdate();
  }

  /** Starts or stops the camera. */
  async setVideo(on: boolean): Promise<void> {
    this.videoOn = on;
    if (on) await this.#open({ video: true });
    else this.#drop('video');
    this.#host.requestUpdate();
  }

  /** Switches to another microphone or camera. */
  async pick(kind: Kind, id: string): Promise<void> {
    if (kind === 'audio') this.audioId = id;
    else this.videoId = id;
    const on = kind === 'audio' ? this.audioOn : this.videoOn;
    // The microphone stays open while muted, so a new pick replaces it muted as it was.
    if (on || (kind === 'audio' && this.#tracks.audio)) await this.#open({ [kind]: true });
    this.#host.requestUpdate();
  }

  /** The stream and choices for the call; from now on the call owns the tracks. */
  handOver(): PreviewResult {
    this.#handedOver = true;
    return {
      stream: this.stream,
      audio: { deviceId: this.audioId, enabled: this.audioOn && !!this.#tracks.audio },
      video: { deviceId: this.videoId, enabled: this.videoOn && !!this.#tracks.video },
    };
  }

  /** Stops every track (the camera light goes off). */
  stop(): void {
    this.#drop('audio');
    this.#drop('video');
  }

  async #open(wanted: Partial<Record<Kind, true>>): Promise<void> {
    const media = navigator.mediaDevices;
    if (!media?.getUserMedia) {
      this.problem = explainMediaError(new DOMException('', 'SecurityError'));
      this.#host.requestUpdate();
      return;
    }
    const constraints: MediaStreamConstraints = {};
    if (wanted.audio)
      constraints.audio = this.audioId ? { deviceId: { exact: this.audioId } } : true;
    if (wanted.video) {
      constraints.video = {
        ...(this.videoId && { deviceId: { exact: this.videoId } }),
        width: { ideal: 1280 },
        height: { ideal: 720 },
      };
    }
    try {
      const stream = await media.getUserMedia(constraints);
      this.problem = '';
      for (const track of stream.getTracks()) this.#take(track);
    } catch (error) {
      // A remembered device that is gone: start the default one instead.
      if (error instanceof DOMException && error.name === 'OverconstrainedError') {
        if (wanted.audio) this.audioId = null;
        if (wanted.video) this.videoId = null;
        return this.#open(wanted);
      }
      // Both at once failed (one of them may be missing): try each alone.
      if (wanted.audio && wanted.video) {
        await this.#open({ audio: true });
        await this.#open({ video: true });
        if (!this.#tracks.audio && !this.#tracks.video) this.problem = explainMediaError(error);
        return;
      }
      if (!this.#tracks.audio && !this.#tracks.video) this.problem = explainMediaError(error);
    }
    await this.#listDevices();
  }

  #take(track: MediaStreamTrack): void {
    const kind = track.kind as Kind;
    const old = this.#tracks[kind];
    if (old && old !== track) old.stop();
    this.#tracks[kind] = track;
    const id = track.getSettings().deviceId;
    if (kind === 'audio') {
      track.enabled = this.audioOn;
      if (id) this.audioId = id;
    } else if (id) this.videoId = id;
    this.#rebuild();
  }

  #drop(kind: Kind): void {
    const track = this.#tracks[kind];
    if (!track) return;
    track.stop();
    delete this.#tracks[kind];
    this.#rebuild();
  }

  #rebuild(): void {
    const tracks = [this.#tracks.audio, this.#tracks.video].filter(
      (track): track is MediaStreamTrack => track !== undefined,
    );
    this.stream = tracks.length > 0 ? new MediaStream(tracks) : null;
    this.#host.requestUpdate();
  }

  readonly #listDevices = async (): Promise<void> => {
    const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    const choices = (kind: MediaDeviceKind, noun: string) =>
      devices
        .filter((device) => device.kind === kind && device.deviceId !== '')
        .map((device, index) => ({
          id: device.deviceId,
          label: device.label || `${noun} ${index + 1}`,
        }));
    this.microphones = choices('audioinput', 'Microphone');
    this.cameras = choices('videoinput', 'Camera');
    this.#host.requestUpdate();
  };
}
