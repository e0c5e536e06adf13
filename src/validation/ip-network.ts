import { isIP } from 'node:net';

/** "10.0.0.0/8", "2001:db8::/32" or a bare address: what ocserv accepts as a route. */
export function isIpNetwork(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
