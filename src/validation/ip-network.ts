import { isIP } from 'node:net';

/**
 * An IPv4 or IPv6 address without an IPv6 zone (`fe80::1%eth0`): a zone names an
 * interface on one host, never something to route to or push to a VPN client.
 * Returns the family (4 or 6), or 0 when it is not such an address.
 */
export function ipAddressFamily(value: string): 0 | 4 | 6 {
  return value.includes('%') ? 0 : (isIP(value) as 0 | 4 | 6);
}

export function isIpAddress(value: string): boolean {
  return ipAddressFamily(value) !== 0;
}

/** "10.0.0.0/8", "2001:db8::/32" or a bare address: what ocserv accepts as a route. */
export function isIpNetwork(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = ipAddressFamily(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
