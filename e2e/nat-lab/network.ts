// The NAT lab's networks: Linux network namespaces for "the internet" and for homes behind
// nftables routers. Only the documentation ranges are used (RFC 5737), and no namespace has a
// link to the machine's own network, so nothing the lab sends can leave it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How a home's router treats what its home sends out. */
export type RouterKind = 'port-preserving' | 'symmetric' | 'udp-blocked' | 'tcp-443-only';

/** A home: a namespace with one host, behind a router namespace of its own. */
export interface Home {
  /** The home's namespace, where its browser runs. */
  ns: string;
  kind: RouterKind;
  /** The host's address on the home's LAN (198.51.100.0/24). */
  lan: string;
  /** The router's public address on "the internet" (203.0.113.0/24). */
  wan: string;
}

/** Addresses on "the internet": the web app with its signaling, and coturn. */
export const PUBLIC = { web: '203.0.113.10', turn: '203.0.113.2' } as const;

/** Every lab namespace starts with this, then the pid of the run that made it. */
const PREFIX = 'natlab-';

/** The lab of one run: its namespaces, and how to take them all down. */
export interface Lab {
  /** The namespace of "the internet". */
  inet: string;
  homes: Record<string, Home>;
  /** Deletes every namespace of this run, ending the processes still inside them. */
  teardown(): Promise<void>;
}

/**
 * Why this machine cannot build the lab (not Linux, not root, a tool missing, namespaces
 * refused), or null when it can.
 */
export async function cannotBuild(): Promise<string | null> {
  if (process.platform !== 'linux')
    return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'network namespaces need root (run the tests as root, as CI does)';
  for (const tool of ['ip', 'nft', 'turnserver', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return `\`${tool}\` is missing (\`npm run provision\` installs it)`;
    }
  }
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'del', probe]);
  } catch (error) {
    return `\`ip netns add\` fails here: ${(error as Error).message.trim()}`;
  }
  return null;
}

/** Removes the namespaces of earlier runs whose process is gone (a run killed mid-way). */
export async function removeLeftovers(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const owner = /^natlab-(\d+)-/.exec(name)?.[1];
    if (owner && !alive(Number(owner))) await removeNamespace(name);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ends the processes left in `ns` (the lab started them all), then deletes it. */
async function removeNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]).then(
    ({ stdout }) => stdout.split('\n').filter(Boolean).map(Number),
    () => [],
  );
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  await rm(`/etc/netns/${ns}`, { recursive: true, force: true });
}

/** Runs `ip` with `command` (words split on spaces) in `ns`, or in this namespace with null. */
async function ip(ns: string | null, command: string): Promise<void> {
  await run('ip', [...(ns === null ? [] : ['-n', ns]), ...command.split(' ')]);
}

/** Runs `command` inside `ns` (`ip netns exec`), with `input` on its stdin if given. */
export async function inNamespace(ns: string, command: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', ['netns', 'exec', ns, ...command], (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`[nat-lab] ${command.join(' ')} in ${ns}: ${stderr || error.message}`));
      } else resolve(stdout);
    });
    // A command that exits without reading its stdin closes the pipe under the write.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/**
 * A namespace with loopback up, no IPv6 (the documentation ranges are IPv4) and a resolver of
 * its own: Chromium looks names up through the machine's resolver even with background
 * networking off, and `ip netns exec` mounts `/etc/netns/<ns>/resolv.conf` over the machine's.
 * Its nameserver is the namespace's own loopback, where nothing listens: a lookup fails at once.
 * Its default route goes to a dummy device, where packets vanish without an error to the sender.
 */
async function addNamespace(ns: string, forward: boolean): Promise<void> {
  await mkdir(`/etc/netns/${ns}`, { recursive: true });
  await writeFile(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.1\n');
  await run('ip', ['netns', 'add', ns]);
  await inNamespace(ns, [
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
    `net.ipv4.ip_forward=${forward ? 1 : 0}`,
  ]);
  await ip(ns, 'link set lo up');
}

/**
 * The router's rules. Unsolicited inbound packets are dropped before conntrack keeps them:
 * a router that lets a peer's first check in records that flow on its mapped port, and the
 * home's own packet to that peer then gets a new port, which turns a port-preserving NAT
 * symmetric. `fully-random` gives every flow (each destination) a port of its own.
 */
function routerRules(kind: RouterKind): string {
  const out = {
    'port-preserving': 'iifname "lan" accept',
    symmetric: 'iifname "lan" accept',
    'udp-blocked': 'iifname "lan" meta l4proto udp drop\n    iifname "lan" accept',
    'tcp-443-only': 'iifname "lan" tcp dport 443 accept',
  }[kind];
  const masquerade = kind === 'symmetric' ? 'masquerade fully-random' : 'masquerade';
  return `
table inet lab {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ${out}
  }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "wan" ${masquerade}
  }
}
`;
}

/**
 * Where unroutable packets go: out of a veth pair to a neighbour that is not there (a made-up
 * MAC address), which the other end drops as meant for another host. A `blackhole` route is
 * not silent: a local sender gets EINVAL, which is what makes coturn close an allocation.
 */
async function addVanishingDefault(ns: string): Promise<void> {
  await ip(ns, 'link add void type veth peer name void-end');
  await ip(ns, 'link set void up');
  await ip(ns, 'link set void-end up');
  await ip(ns, 'neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev void nud permanent');
  await ip(ns, 'route add default via 192.0.2.2 dev void onlink');
}

async function addHome(lab: string, inet: string, name: string, kind: RouterKind, index: number) {
  const router = `${lab}-r-${name}`;
  const host = `${lab}-${name}`;
  const wan = `203.0.113.${20 + index}`;
  const lan = `198.51.100.${16 * index + 2}`;
  const gateway = `198.51.100.${16 * index + 1}`;
  await addNamespace(router, true);
  await addNamespace(host, false);
  await ip(null, `link add wan netns ${router} type veth peer name home${index} netns ${inet}`);
  await ip(inet, `link set home${index} master br0 up`);
  await ip(router, `addr add ${wan}/24 dev wan`);
  await ip(router, 'link set wan up');
  await addVanishingDefault(router);
  await ip(null, `link add lan netns ${router} type veth peer name eth0 netns ${host}`);
  await ip(router, `addr add ${gateway}/28 dev lan`);
  await ip(router, 'link set lan up');
  await ip(host, `addr add ${lan}/28 dev eth0`);
  await ip(host, 'link set eth0 up');
  await ip(host, `route add default via ${gateway}`);
  await inNamespace(router, ['nft', '-f', '-'], routerRules(kind));
  return { ns: host, kind, lan, wan } satisfies Home;
}

/**
 * Builds "the internet" (a bridge holding {@link PUBLIC}'s addresses) and one home per entry
 * of `homes`, each behind its router. Call {@link Lab.teardown} when done, even on failure.
 */
export async function buildLab(homes: Record<string, RouterKind>): Promise<Lab> {
  const lab = `${PREFIX}${process.pid}`;
  const inet = `${lab}-inet`;
  const names: string[] = [inet];
  const teardown = async () => {
    for (const ns of [...names].reverse()) await removeNamespace(ns);
  };
  try {
    await addNamespace(inet, false);
    await ip(inet, 'link add br0 type bridge');
    await ip(inet, 'link set br0 up');
    for (const address of Object.values(PUBLIC)) await ip(inet, `addr add ${address}/24 dev br0`);
    // coturn closes an allocation when a send to a peer errors (ENETUNREACH for an address
    // with no route): on the real internet such packets are lost without a word.
    await addVanishingDefault(inet);
    const built: Record<string, Home> = {};
    for (const [index, [name, kind]] of Object.entries(homes).entries()) {
      names.push(`${lab}-r-${name}`, `${lab}-${name}`);
      built[name] = await addHome(lab, inet, name, kind, index);
    }
    return { inet, homes: built, teardown };
  } catch (error) {
    await teardown();
    throw error;
  }
}
