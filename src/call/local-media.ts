import { explainMediaError, explainScreenError } from '../media-errors.ts';

/** A track to send and the stream it belongs to. */
export interface Outgoing {
  track: MediaStreamTrack;
  stream: MediaStream;
}

/**
 * A group call sends one copy of its video per member (five in a room of six), each encoded
 * apart: a small picture keeps a laptop's CPU and uplink within reach.
 */
const GROUP_VIDEO: MediaTrackConstraints = {
  width: { ideal: 320 },
  height: { ideal: 240 },
  frameRate: { ideal: 15 },
};

/**
 * This tab's camera, microphone and shared screen, the same for every link: the microphone and
 * the screen (or else the camera) go out. The camera and the microphone each turn off and on
 * without renegotiating (the track is disabled: black frames, silence).
 */
export class LocalMedia {
  /** The camera and microphone, while on. */
  stream: MediaStream | null = null;
  /** The screen (or window, or tab) shared, while on; it replaces the camera. */
  screen: MediaStream | null = null;
  micMuted = false;
  cameraOff = false;
  /** `getUserMedia` is pending (e.g. the permission prompt is open). */
  starting = false;
  /** Why the camera, microphone or screen could not start, for the person. */
  error = '';

  /** A group call's small picture, for a camera opened later. */
  #small = false;
  readonly #changed: () => void;
  readonly #note: (text: string, level?: 'info' | 'error') => void;

  /** @param changed called when what goes out changed (the links sync their senders). */
  constructor(changed: () => void, note: (text: string, level?: 'info' | 'error') => void) {
    this.#changed = changed;
    this.#note = note;
  }

  /** Asks for the camera and microphone; `small` asks for a group call's small picture. */
  async start(small: boolean): Promise<void> {
    if (this.stream || this.starting) return;
    this.error = '';
    this.starting = true;
    this.#changed();
    try {
      this.#small = small;
      this.stream = await getMedia(small ? GROUP_VIDEO : true);
      this.micMuted = false;
      this.cameraOff = false;
    } catch (error) {
      this.error = explainMediaError(error);
      this.#note(`Camera and microphone: ${this.error}`, 'error');
    } finally {
      this.starting = false;
      this.#changed();
    }
  }

  /**
   * Takes over tracks opened before the call (the join screen's preview) as they are, rather
   * than stopping and reopening the devices: a disabled microphone track starts muted, a
   * missing camera track starts with the camera off (turning it on opens it then).
   */
  adopt(stream: MediaStream | null, small: boolean): void {
    const tracks = stream?.getTracks().filter((track) => track.readyState === 'live') ?? [];
    this.stream = tracks.length > 0 ? new MediaStream(tracks) : null;
    const audio = this.stream?.getAudioTracks()[0];
    const video = this.stream?.getVideoTracks()[0];
    this.micMuted = !audio?.enabled;
    this.cameraOff = !video?.enabled;
    this.#small = false;
    this.fit(small);
    this.#changed();
  }

  /** A group call (known once the room says its capacity): the camera's picture gets small. */
  fit(small: boolean): void {
    if (small === this.#small) return;
    this.#small = small;
    const video = this.stream?.getVideoTracks()[0];
    if (video && small) void video.applyConstraints(GROUP_VIDEO).catch(() => {});
  }

  /** Stops the camera and microphone (a shared screen goes on). */
  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.micMuted = false;
    this.cameraOff = false;
    this.#changed();
  }

  toggleMic(): void {
    this.micMuted = !this.micMuted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !this.micMuted;
    this.#changed();
  }

  toggleCamera(): void {
    const video = this.stream?.getVideoTracks()[0];
    // Joined with the camera off (no track yet): open it now, beside the microphone.
    if (this.stream && !video && this.cameraOff) {
      void this.#addCamera(this.stream);
      return;
    }
    this.cameraOff = !this.cameraOff;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = !this.cameraOff;
    this.#changed();
  }

  async #addCamera(stream: MediaStream): Promise<void> {
    this.starting = true;
    this.#changed();
    try {
      const camera = await navigator.mediaDevices.getUserMedia({
        video: this.#small ? GROUP_VIDEO : true,
      });
      if (this.stream !== stream) {
        for (const track of camera.getTracks()) track.stop();
        return;
      }
      this.stream = new MediaStream([...stream.getAudioTracks(), ...camera.getVideoTracks()]);
      this.cameraOff = false;
    } catch (error) {
      this.error = explainMediaError(error);
      this.#note(`Camera: ${this.error}`, 'error');
    } finally {
      this.starting = false;
      this.#changed();
    }
  }

  /** Shares a screen instead of the camera: the browser asks which. */
  async startScreen(): Promise<void> {
    if (this.screen) return;
    this.error = '';
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getDisplayMedia) {
        throw new DOMException('no getDisplayMedia', 'NotSupportedError');
      }
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      this.error = explainScreenError(error);
      this.#note(`Screen sharing: ${this.error}`, 'error');
      this.#changed();
      return;
    }
    this.screen = stream;
    // The browser's own "Stop sharing" ends the track: back to the camera then too.
    for (const track of stream.getTracks()) track.onended = () => this.stopScreen();
    this.#changed();
  }

  stopScreen(): void {
    const stream = this.screen;
    if (!stream) return;
    this.screen = null;
    for (const track of stream.getTracks()) {
      track.onended = null;
      track.stop();
    }
    this.#changed();
  }

  /** What every link sends: the microphone, and the shared screen or else the camera. */
  outgoing(): Outgoing[] {
    const from = (stream: MediaStream | null, kind: 'audio' | 'video') =>
      stream
        ? stream.getTracks().flatMap((track) => (track.kind === kind ? [{ track, stream }] : []))
        : [];
    return [...from(this.stream, 'audio'), ...from(this.screen ?? this.stream, 'video')];
  }

  /**
   * What this tab announces of itself: whether its microphone sends, and whether its video
   * does (the camera, or a shared screen in its place).
   */
  announced(): { mic: boolean; camera: boolean } {
    const has = (kind: 'audio' | 'video') =>
      (this.stream?.getTracks() ?? []).some((track) => track.kind === kind);
    const camera = has('video') && !this.cameraOff;
    return { mic: has('audio') && !this.micMuted, camera: camera || this.screen !== null };
  }

  /** Stops everything (the page goes). */
  close(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    for (const track of this.screen?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.screen = null;
  }
}

/** Camera and microphone; without a microphone (or camera), whichever of the two exists. */
async function getMedia(video: MediaTrackConstraints | true): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DOMException('no mediaDevices', 'SecurityError');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch (error) {
    if (!(error instanceof DOMException) || error.name !== 'NotFoundError') throw error;
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ video });
  } catch (error) {
    if (!(error instanceof DOMException) || error.name !== 'NotFoundError') throw error;
  }
  return navigator.mediaDevices.getUserMedia({ audio: true });
}
