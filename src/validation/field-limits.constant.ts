/** ocserv's own MAX_USERNAME_SIZE (src/vpn.h) is 64 bytes; longer names never reach it. */
export const USERNAME_MAX_LENGTH = 64;
export const SESSION_ID_MAX_LENGTH = 128;
export const DEVICE_ID_MAX_LENGTH = 128;
/** Longest textual IPv6 address with an embedded IPv4 tail. */
export const IP_ADDRESS_MAX_LENGTH = 45;
export const METADATA_MAX_ENTRIES = 32;
export const METADATA_KEY_MAX_LENGTH = 64;
/** ocserv passes USER_AGENT through; real ones are < 512 bytes, 2 KiB leaves room. */
export const METADATA_VALUE_MAX_LENGTH = 2048;
/** How much of an offending value an error message echoes back. */
export const ECHOED_VALUE_MAX_LENGTH = 40;
