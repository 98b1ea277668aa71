/**
 * Other "hosts" for the e2e tests: network namespaces, each with its own address
 * on a veth link to this host and its own hostname (a UTS namespace). Needs root
 * (CAP_NET_ADMIN); without it the test fails, saying so.
 */
import { execFileSync } from 'node:child_process';
import { onCleanup } from './harness.js';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Host {
  ns: string;
  hostname: string;
  /** Address of the host's end of the link (where Redis listens) and of the namespace's end. */
  hostAddress: string;
  nsAddress: string;
}

/** Creates a namespace with a veth pair to this host, /30 addresses on both ends; removed when the test ends. */
export function createHost(tag: string, name: string, hostAddress: string, nsAddress: string): Host {
  const ns = `bqe2e-${tag}-${name}`;
  const hostIf = `bq${tag}${name}h`;
  const nsIf = `bq${tag}${name}n`;
  try {
    ip('netns', 'add', ns);
    onCleanup(() => {
      try {
        ip('link', 'del', hostIf); // deletes both ends of the pair
      } catch {
        // gone with the namespace already
      }
      ip('netns', 'del', ns);
    });
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(
      `this test needs network namespaces and veth links (root or CAP_NET_ADMIN, iproute2); creating ${ns} failed: ${e.stderr?.trim() || e.message}`,
    );
  }
  return { ns, hostname: `bqhost-${tag}-${name}`, hostAddress, nsAddress };
}

/** Runs a command inside the host's network namespace under its own hostname. */
export const inHost = (host: Host): string[] => [
  'ip',
  'netns',
  'exec',
  host.ns,
  'unshare',
  '--uts',
  'sh',
  '-c',
  'hostname "$0" && exec "$@"',
  host.hostname,
];

/** A 10.200.N.0/29 block no interface of this machine uses yet. */
export function freeSubnet(): number {
  const used = ip('-4', '-o', 'addr');
  for (;;) {
    const n = 1 + Math.floor(Math.random() * 250);
    if (!used.includes(`10.200.${n}.`)) return n;
  }
}
