import type { ErrorCode } from './index.ts';

/** A refusal as a person reads it: what happened, and what to do now. */
export interface RefusalWords {
  title: string;
  detail: string;
}

/**
 * Plain words for the refusals a person meets (full, locked, wrong PIN, token, …), one place
 * for the join screen, the call view and the operator page. Pure, so server and browser share
 * it. `pinTried`: the refused join gave a PIN, so a locked room means the PIN was wrong.
 */
export function refusalWords(
  code: ErrorCode,
  { pinTried = false, capacity }: { pinTried?: boolean; capacity?: number } = {},
): RefusalWords {
  switch (code) {
    case 'room-full':
      return {
        title: 'This room is full',
        detail: `${capacity === undefined ? 'Every seat' : `All ${capacity} seats`} are taken. You can join as soon as someone leaves.`,
      };
    case 'room-locked':
      return pinTried
        ? {
            title: 'That PIN didn’t open the room',
            detail: 'Check the PIN with the person who locked the room, then try again.',
          }
        : {
            title: 'This room is locked',
            detail: 'Enter the PIN you were given to join.',
          };
    case 'token-refused':
      return {
        title: 'This invitation isn’t valid',
        detail: 'It may have expired or been used already. Ask for a new link.',
      };
    case 'invalid-pin':
      return { title: 'That PIN can’t be used', detail: 'A PIN has 4 to 64 characters.' };
    case 'invalid-name':
      return {
        title: 'That name can’t be used',
        detail: 'Use 1 to 40 letters, digits or symbols.',
      };
    case 'invalid-room':
      return {
        title: 'That isn’t a room name',
        detail: 'Use letters, digits, “-”, “_” or “.”.',
      };
    case 'rate-limited':
      return { title: 'Too many tries', detail: 'Wait a minute, then try again.' };
    case 'disabled':
      return {
        title: 'PINs are off on this server',
        detail: 'Join without a PIN; anyone with the link can join.',
      };
    case 'unavailable':
    case 'seat-lost':
    case 'internal':
      return {
        title: 'The server couldn’t seat you',
        detail: 'Something went wrong on its side. Try again in a moment.',
      };
    default:
      return { title: 'You couldn’t join', detail: 'Try again in a moment.' };
  }
}

/** Short labels for counts of refusals by code, for the operator page. */
export const REFUSAL_LABELS: Partial<Record<ErrorCode, string>> = {
  'room-full': 'Room full',
  'room-locked': 'Locked room or wrong PIN',
  'token-refused': 'Invitation token refused',
  'invalid-pin': 'Malformed PIN',
  'invalid-name': 'Unusable display name',
  'invalid-room': 'Bad room name',
  'rate-limited': 'Too many requests',
  unavailable: 'Room store unreachable',
  internal: 'Server error',
};
