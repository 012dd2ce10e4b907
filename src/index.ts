/**
 * `webrtc-rooms/client`: the browser side. Importing it registers `<rooms-app>` and the
 * elements it is made of, so a page only has to place `<rooms-app></rooms-app>`; or use the
 * controllers alone on a Lit element of your own: a {@link SignalingController} and a
 * {@link RoomCall} on it. Both talk to the signaling on the page's own origin (the Vite
 * plugin, `attachSignaling` or the `webrtc-rooms` command).
 *
 * ```ts
 * import 'webrtc-rooms/client';
 * document.body.append(document.createElement('rooms-app'));
 * ```
 */
export { explainFailure, type FailureFacts } from './call/failure.ts';
export { LocalMedia } from './call/local-media.ts';
export { Peer, type PeerHost, type PeerSetup } from './call/peer.ts';
export { RESTART_LIMITS, type RestartLimits } from './call/restarts.ts';
export { RoomCall } from './call/room-call.ts';
export type {
  Announced,
  CallOptions,
  CallSignaling,
  CallState,
  ChatEntry,
  FileTransfer,
  ListedTransfer,
  PeerState,
  PeerView,
  SignalingEvent,
  StatsSample,
  TimelineEntry,
  TransferStatus,
} from './call/types.ts';
export { type CallEnding, type CallFailureReason, CallOutcomeReporter } from './call-outcome.ts';
export type { SelectedPair, StatsReading } from './call-stats.ts';
export { CallCheck } from './check/call-check.ts';
export { type CheckSummary, runCheck, type StepResult } from './check/network-check.ts';
export { CallPanel, type CallRetryDetail, callStatus } from './components/call-panel.ts';
export { CallStage, type SelfView } from './components/call-stage.ts';
export { CallTile } from './components/call-tile.ts';
export { ChatPanel, type ChatSendDetail } from './components/chat-panel.ts';
export { ConnectionPanel } from './components/connection-panel.ts';
export { ControlBar, type ControlEvent, type PanelView } from './components/control-bar.ts';
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
export { SidePanel } from './components/side-panel.ts';
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
} from './signaling-controller.ts';
export { SignalingController } from './signaling-controller.ts';
