import { lookup } from 'node:dns/promises';

/**
 * Resolves a host name to every address it has (IPv4 and IPv6, in the resolver's order).
 * Injected so tests can answer for made-up names (`public.test`) and simulate DNS rebinding
 * without touching the network; rejects (or returns an empty list) when the name does not resolve.
 */
export type HostResolver = (host: string) => Promise<readonly string[]>;

/** The system resolver (`dns.lookup` with `all: true`, in the order the system gives). */
export const systemResolver: HostResolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};
