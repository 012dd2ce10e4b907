import { isIP } from 'node:net';

/** The default of `AccessOptions.ipv6PrefixLength`: a /64, what one subscriber line gets. */
export const DEFAULT_IPV6_PREFIX_LENGTH = 64;

/**
 * The key a client address counts under in every per-address limit. An IPv4 address counts as
 * itself, and so does an IPv4-mapped IPv6 one (`::ffff:192.0.2.1`, how a dual-stack socket
 * reports IPv4 peers). An IPv6 address counts by its first `prefixLength` bits (`2001:db8:1:2::/64`):
 * one subscriber is usually given a whole /64 and can pick any of its 2^64 addresses, so
 * counting them one by one would bound nothing. Anything else (`unknown`) counts as written.
 */
export function addressKey(address: string, prefixLength: number): string {
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return address;
  const groups = ipv6Groups(address);
  if (groups === undefined) return address;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  if (prefixLength >= 128) return groups.map((group) => group.toString(16)).join(':');
  const masked = groups.map((group, index) => {
    const bits = Math.min(16, Math.max(0, prefixLength - index * 16));
    return bits === 0 ? 0 : group & (0xffff << (16 - bits)) & 0xffff;
  });
  return `${masked.map((group) => group.toString(16)).join(':')}/${prefixLength}`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone and embedded IPv4 included). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const missing = 8 - front.length - back.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...front, ...Array<number>(missing).fill(0), ...back];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : undefined;
}
