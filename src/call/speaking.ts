/** Above this RMS of the waveform (0..1) a member counts as speaking. */
const SPEAKING_RMS = 0.02;

/**
 * Who speaks now, from the audio of each stream: one AudioContext, an AnalyserNode per stream,
 * read a few times a second (cheap: a 256-sample window each). The context starts on the page's
 * first click (Join), as browsers allow; before that nobody counts as speaking.
 */
export class SpeakingMeter {
  #context: AudioContext | null = null;
  readonly #meters = new Map<
    MediaStream,
    { analyser: AnalyserNode; source: MediaStreamAudioSourceNode; track: MediaStreamTrack }
  >();
  readonly #samples = new Float32Array(256);

  /** Measures exactly `streams` (those with a live audio track); forgets the others. */
  follow(streams: readonly MediaStream[]): void {
    const wanted = new Set(streams.filter((stream) => liveAudio(stream)));
    for (const [stream, meter] of this.#meters) {
      if (!wanted.has(stream) || liveAudio(stream) !== meter.track) {
        meter.source.disconnect();
        this.#meters.delete(stream);
      }
    }
    if (wanted.size === 0) return;
    const context = this.#ensureContext();
    if (!context) return;
    for (const stream of wanted) {
      const track = liveAudio(stream);
      if (this.#meters.has(stream) || !track) continue;
      try {
        const source = context.createMediaStreamSource(new MediaStream([track]));
        const analyser = context.createAnalyser();
        analyser.fftSize = this.#samples.length;
        source.connect(analyser);
        this.#meters.set(stream, { analyser, source, track });
      } catch {
        // A stream the context cannot read (e.g. no audio yet): no ring for it.
      }
    }
  }

  /** Whether the audio of `stream` is above the speaking level now. */
  speaking(stream: MediaStream | null): boolean {
    const meter = stream ? this.#meters.get(stream) : undefined;
    if (!meter || !meter.track.enabled) return false;
    meter.analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const sample of this.#samples) sum += sample * sample;
    return Math.sqrt(sum / this.#samples.length) > SPEAKING_RMS;
  }

  close(): void {
    for (const meter of this.#meters.values()) meter.source.disconnect();
    this.#meters.clear();
    void this.#context?.close().catch(() => {});
    this.#context = null;
  }

  #ensureContext(): AudioContext | null {
    if (typeof AudioContext === 'undefined') return null;
    this.#context ??= new AudioContext();
    if (this.#context.state === 'suspended') void this.#context.resume().catch(() => {});
    return this.#context;
  }
}

function liveAudio(stream: MediaStream): MediaStreamTrack | undefined {
  return stream.getAudioTracks().find((track) => track.readyState === 'live');
}
