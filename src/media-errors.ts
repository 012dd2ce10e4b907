/**
 * What to tell a person when the camera or microphone cannot start, by the `getUserMedia`
 * error name, with what to do next. The call itself goes on without media.
 */
export function explainMediaError(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'Permission to use the camera and microphone was denied. Allow them in the site settings of your browser (the icon left of the address), then press Start camera again. Chat works without them.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. Connect one and press Start camera again. Chat works without them.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera or microphone is busy or failed to start (another application may be using it). Close it and try again.';
    case 'SecurityError':
      return 'The camera needs a secure page: open this app on https or on localhost.';
    default:
      return `The camera and microphone could not start: ${error instanceof Error ? error.message : String(error)}.`;
  }
}

/** What to tell a person when a screen cannot be shared, by the `getDisplayMedia` error name. */
export function explainScreenError(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'Screen sharing was cancelled or not allowed. Press Share screen again and pick what to share.';
    case 'NotSupportedError':
      return 'This browser cannot share a screen (phones and some embedded browsers cannot).';
    case 'NotReadableError':
    case 'AbortError':
      return 'The screen could not be captured. Try another window or screen.';
    default:
      return `The screen could not be shared: ${error instanceof Error ? error.message : String(error)}.`;
  }
}
