/**
 * `webrtc-rooms/client`: the browser side. Importing it registers `<rooms-app>` and the
 * elements it is made of, so a page only has to place `<rooms-app></rooms-app>`; or use the
 * controllers alone on a Lit element of your own. Both talk to the signaling on the page's
 * own origin (the Vite plugin, `attachSignaling` or the `webrtc-rooms` command).
 *
 * ```ts
 * import 'webrtc-rooms/client';
 * document.body.append(document.createElement('rooms-app'));
 * ```
 */
export type {
  CallOptions,
  CallState,
  ChatEntry,
  StatsSample,
  TimelineEntry,
} from './call-controller.ts';
export { CallController } from './call-controller.ts';
export { type CallEnding, type CallFailureReason, CallOutcomeReporter } from './call-outcome.ts';
export type { SelectedPair, StatsReading } from './call-stats.ts';
export { CallCheck } from './check/call-check.ts';
export { type CheckSummary, runCheck, type StepResult } from './check/network-check.ts';
export { CallPanel, type CallPanelEvent } from './components/call-panel.ts';
export { ChatPanel, type ChatSendDetail } from './components/chat-panel.ts';
export { ConnectionPanel } from './components/connection-panel.ts';
export { JoinForm, type RoomJoinDetail } from './components/join-form.ts';
export {
  JoinScreen,
  type LobbyJoinDetail,
  type LobbyRefusal,
} from './components/join-screen.ts';
export { LanLinks } from './components/lan-links.ts';
export { LogPanel } from './components/log-panel.ts';
export { RoomStatus } from './components/room-status.ts';
export { RoomsApp } from './components/rooms-app.ts';
export { SignalingTimeline } from './components/signaling-timeline.ts';
export { type ChartSeries, StatsChart } from './components/stats-chart.ts';
export { controlStyles, tokenStyles } from './components/tokens.ts';
export type { PreviewResult } from './lobby/preview.ts';
export { ownPeek, type Peek, type PeekAnswer, peekOver } from './lobby/room-peek.ts';
export type {
  ConnectionState,
  LogEntry,
  SeatState,
  SignalingClientSocket,
  SignalingEvent,
} from './signaling-controller.ts';
export { SignalingController } from './signaling-controller.ts';
