/** The bcrypt costs the exporter works with, shared by the config parser and the auth check. */

/**
 * The highest cost accepted in basic_auth_users. Every wrong password costs one check, and
 * at cost 14 a check already takes 1-4 s of a core; Go accepts up to 31, days per check.
 */
export const MAX_BCRYPT_COST = 14;

/**
 * An unknown username is checked against this hash (libxcrypt's, of a throw-away password)
 * so it costs what a real user of cost 10, the recommended cost, costs. Fixed, as in the
 * exporter-toolkit: no configured hash decides how long a made-up name takes.
 */
export const DUMMY_HASH = '$2b$10$.8XpqiHvOl8vjRebFF2JY.Kd5k2A/vZeSQGXhpdJt8GMLXwPmBrH6';
export const DUMMY_COST = 10;
