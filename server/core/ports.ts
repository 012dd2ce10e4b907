import type { IncomingMessage } from 'node:http';
import type { CallOutcome, ErrorCode } from '../protocol/index.ts';
import type { ConnectionClosure } from './connection-gates.ts';

/**
 * The ports of the core: what it asks of the http edge, which implements them (its `AccessGate`
 * and `SignalingMetrics`) and hands them in through the context. The core imports nothing from
 * the edge; the edge composes the core.
 */

/** Why a handshake was refused, as counted in the metrics. */
export type HandshakeRefusal =
  | 'origin'
  | 'host'
  | 'too-many-connections'
  | 'too-many-handshakes'
  | 'draining';

/** The verdict on one handshake: allowed, or refused with a reason and a message for the client. */
export type AccessVerdict = { ok: true } | { ok: false; reason: HandshakeRefusal; message: string };

/** Why a request or a handshake was refused, as the `reason` label of the rejections counter. */
export type RejectionReason = ErrorCode | HandshakeRefusal | ConnectionClosure;

/**
 * The access gate as the core uses it: the address a request counts against, the open
 * connections per address, and the handshake bucket a second CONNECT is charged to. The core
 * reads a connection's address once, from its handshake request, and keeps only that string
 * (connections.ts): every later check is by address.
 */
export interface AddressGate {
  /** The client address `request` counts against (an IPv6 address counts by its prefix). */
  address(request: IncomingMessage): string;
  /** Whether a connection from `address`, already counted, may join the namespace. */
  checkConnection(address: string): AccessVerdict;
  /** Charges a CONNECT on an open connection from `address` a handshake; false when none is left. */
  handshakeAgain(address: string): boolean;
  /** Counts an open connection from `address`. */
  opened(address: string): void;
  /** Releases the slot `opened` counted for `address`. */
  closed(address: string): void;
  /** Forgets the buckets that are full again (called now and then). */
  prune(): void;
  /** How many addresses have open connections. */
  readonly addresses: number;
  /** How many addresses have a handshake bucket not full again yet. */
  readonly handshakeAddresses: number;
}

/** The counters the core moves; the edge's Prometheus metrics have them. */
export interface SignalingCounters {
  /** Seats given (`created` or `joined`). */
  joins: { inc(): void };
  /** Joins refused because the room was full. */
  full: { inc(): void };
  /** Relays not yet counted: a plain number the relay path adds one to. */
  relayed: number;
  /** Counts one refusal of `reason`. */
  reject(reason: RejectionReason): void;
  /** Counts one call outcome a client reported (checked and within its limit). */
  callOutcome(report: CallOutcome): void;
  /** Stops what the metrics run (their event-loop monitor). */
  close(): void;
}
