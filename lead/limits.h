/* limits.h - the built-in defaults of the server's limits, shared by the
 * configuration reader (rules/server-config.c) and the LMTP server
 * (intake/lmtp.c) so that both mean the same when a key is left out. */
#ifndef LR_LIMITS_H
#define LR_LIMITS_H

/* server.max_message_size: bytes; larger messages get 552 / EX_DATAERR. */
#define LR_DEFAULT_MAX_MESSAGE_SIZE (10 * 1024 * 1024)
/* server.session_timeout: seconds an LMTP client may stay silent. */
#define LR_DEFAULT_SESSION_TIMEOUT 300
/* server.min_data_rate: bytes per second a message must keep up in DATA. */
#define LR_DEFAULT_MIN_DATA_RATE 500
/* server.max_sessions: concurrent LMTP sessions. */
#define LR_DEFAULT_MAX_SESSIONS 256
/* server.retry_first / retry_max: seconds between tries of a notification. */
#define LR_DEFAULT_RETRY_FIRST 60
#define LR_DEFAULT_RETRY_MAX 3600

#endif
