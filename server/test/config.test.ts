import { describe, expect, it } from 'vitest';
import { readConfig } from '../cli/config.ts';

describe('readConfig', () => {
  it('defaults to the documented limits, with recovery on and addresses hidden', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      port: 8080,
      roomCapacity: 2,
      clientLog: false,
      exposeAddresses: false,
      maxPayloadBytes: 65536,
      recoveryWindowMs: 10_000,
      metrics: true,
      access: {
        allowedOrigins: [],
        allowedHosts: true,
        maxConnectionsPerAddress: 20,
        handshakes: { burst: 20, perSecond: 5 },
        maxHeldSeatsPerAddress: 4,
        trustProxy: false,
      },
      rateLimits: {
        join: { burst: 10, perSecond: 1 },
        message: { burst: 100, perSecond: 20 },
        messageBytes: { burst: 262144, perSecond: 32768 },
      },
    });
  });

  it('reads allow-lists, limits and switches from the environment', () => {
    const config = readConfig({
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      ALLOWED_HOSTS: '.example.com',
      MAX_CONNECTIONS_PER_ADDRESS: '5',
      RATE_HANDSHAKE_BURST: '8',
      RATE_HANDSHAKE_PER_SECOND: '0.5',
      MAX_HELD_SEATS_PER_ADDRESS: '0',
      TRUST_PROXY: '1',
      IPV6_PREFIX_LENGTH: '56',
      RATE_MESSAGE_PER_SECOND: '2.5',
      SIGNALING_RECOVERY_SECONDS: '0',
      SIGNALING_METRICS: '0',
    });
    expect(config.access).toEqual({
      allowedOrigins: ['https://a.example', 'https://b.example'],
      allowedHosts: ['.example.com'],
      maxConnectionsPerAddress: 5,
      handshakes: { burst: 8, perSecond: 0.5 },
      maxHeldSeatsPerAddress: 0,
      ipv6PrefixLength: 56,
      trustProxy: true,
    });
    expect(config.rateLimits.message).toEqual({ burst: 100, perSecond: 2.5 });
    expect(config.recoveryWindowMs).toBe(0);
    expect(config.metrics).toBe(false);
  });

  it('names the variable to fix when a value is out of range', () => {
    expect(() => readConfig({ MAX_CONNECTIONS_PER_ADDRESS: '0' })).toThrow(
      /\[signaling\] MAX_CONNECTIONS_PER_ADDRESS=0/,
    );
    expect(() => readConfig({ RATE_JOIN_BURST: 'lots' })).toThrow(/RATE_JOIN_BURST=lots/);
  });

  it('reads the ICE servers from comma-separated URLs, the secret and the lifetime', () => {
    const config = readConfig({
      STUN_URLS: 'stun:a.example.org:3478, stun:b.example.org',
      TURN_URLS: 'turn:t.example.org:3478?transport=udp',
      TURN_SECRET: 's3cret',
      TURN_TTL: '1800',
      RATE_TURN_BURST: '5',
      RATE_TURN_PER_SECOND: '0.5',
    });
    expect(config.ice).toEqual({
      stunUrls: ['stun:a.example.org:3478', 'stun:b.example.org'],
      turnUrls: ['turn:t.example.org:3478?transport=udp'],
      turnSecret: 's3cret',
      turnTtl: 1800,
      turnPerAddress: { burst: 5, perSecond: 0.5 },
    });
  });

  it('has no ICE servers, ten minutes of TURN lifetime and 20 credentials per address by default', () => {
    expect(readConfig({}).ice).toEqual({
      stunUrls: [],
      turnUrls: [],
      turnSecret: undefined,
      turnTtl: 600,
      turnPerAddress: { burst: 20, perSecond: 0.2 },
    });
  });

  it('refuses a TURN lifetime over a day or under 10 seconds', () => {
    expect(() => readConfig({ TURN_TTL: '86401' })).toThrow(/TURN_TTL=86401 .* from 10 to 86400/);
    expect(() => readConfig({ TURN_TTL: '9' })).toThrow(/TURN_TTL=9/);
  });

  it('names the variable to fix when the lifetime is no whole number', () => {
    expect(() => readConfig({ TURN_TTL: 'soon' })).toThrow(/TURN_TTL=soon/);
  });

  it('refuses an admin secret shorter than 16 bytes, naming the variable or the flag', () => {
    expect(() => readConfig({ ADMIN_SECRET: 'short-secret' })).toThrow(
      /ADMIN_SECRET is 12 bytes; it needs at least 16/,
    );
    expect(() => readConfig({}, { ADMIN_SECRET: 'short-secret' })).toThrow(
      /--admin-secret is 12 bytes; it needs at least 16/,
    );
    expect(readConfig({ ADMIN_SECRET: '0123456789abcdef' }).adminSecret).toBe('0123456789abcdef');
  });
});
