/* exchange.h - the documents two leadroute servers exchange (format
 * "leadroute"): a lead offered to a partner, the partner's status reports,
 * the origin's recall; their XML (schema federation/leadroute-exchange.xsd,
 * compiled in) and their HMAC-SHA256 signature.  libxml2 and GLib only:
 * this module builds, parses, signs and verifies; router/ stores and sends.
 *
 * The wire: one MIME message per exchange whose application/vnd.leadroute+xml
 * part holds the exact bytes fed_exchange_build returned, and whose header
 * FED_SIG_HEADER holds fed_sign's value over them:
 *   X-Leadroute-Signature: t=UNIXTIME; peer=SENDER; v1=HEX
 * where HEX is HMAC-SHA256(secret, "leadroute-exchange-v1\n" T "\n" SENDER
 * "\n" XML).  The receiver finds the sender's secret by peer, then verifies
 * (fed_verify), then parses (fed_exchange_parse), then checks that the
 * document's from is the signing peer and its to is itself. */
#ifndef LR_FED_EXCHANGE_H
#define LR_FED_EXCHANGE_H

#include <glib.h>

#define FED_VERSION 1
#define FED_NS "urn:leadroute:exchange:1"
#define FED_MIME_TYPE "application/vnd.leadroute+xml"
#define FED_SIG_HEADER "X-Leadroute-Signature"
/* The largest document read: anything longer is refused unparsed. */
#define FED_MAX_XML (1024 * 1024)
/* Signatures older than this, or newer than FED_MAX_SKEW, are refused (s). */
#define FED_MAX_AGE (24 * 3600)
#define FED_MAX_SKEW (5 * 60)

typedef enum {
	FED_LEAD,   /* a lead offered to the partner */
	FED_STATUS, /* the partner's status report to the origin */
	FED_RECALL, /* the origin withdraws its offer */
} FedKind;

/* One exchange.  Every string is owned by the exchange. */
typedef struct {
	FedKind kind;
	char *id;            /* unique per sender: what a replay repeats */
	char *from;          /* the sender's server name */
	char *to;            /* the receiver's server name */
	gint64 at;           /* when it was made, µs since the epoch */
	char *origin_server; /* the server where the lead came in */
	guint64 origin_lead; /* its lead id there */
	guint32 assignment;  /* the offer number there that sent it out */
	/* FED_LEAD */
	gint64 received;        /* when the origin received it, µs */
	char *subject, *source; /* may be NULL */
	int priority;
	GPtrArray *chain;  /* char *: servers it has been at, origin first */
	GPtrArray *names;  /* char *: field names, beside values */
	GPtrArray *values; /* char *: field values */
	/* FED_STATUS: event is one of received accepted rejected forwarded
	 * contacted won lost; by a display name, amount for won, reason for
	 * rejected/lost/forwarded (and for FED_RECALL). */
	char *event, *by, *amount, *reason;
} FedExchange;

/* fed_exchange_new - an empty exchange of kind (empty chain and fields). */
FedExchange *fed_exchange_new(FedKind kind);
void fed_exchange_free(FedExchange *x);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FedExchange, fed_exchange_free)

/* fed_exchange_add_field - append a field (copies). */
void fed_exchange_add_field(FedExchange *x, const char *name, const char *value);

/* fed_exchange_build - the XML document (UTF-8), valid under the schema.
 * Returns new bytes, or NULL with LR_ERROR_PERM when x cannot be written
 * (an id or server name the schema does not allow, text that is not
 * UTF-8, a document that would not validate). */
GBytes *fed_exchange_build(const FedExchange *x, GError **error);

/* fed_exchange_parse - read a document: at most FED_MAX_XML bytes, no DTD
 * (so no entities, internal or external), no network, valid under the
 * schema.  Returns a new exchange, or NULL with LR_ERROR_PERM saying why. */
FedExchange *fed_exchange_parse(GBytes *xml, GError **error);

/* fed_kind_name - "lead", "status", "recall". */
const char *fed_kind_name(FedKind kind);

/* fed_sign - the FED_SIG_HEADER value for xml sent by peer at t (seconds
 * since the epoch) under secret.  Returns a new string. */
char *fed_sign(GBytes *secret, const char *peer, gint64 t, GBytes *xml);

/* fed_sig_peer - the peer a FED_SIG_HEADER value names (new string), or
 * NULL when the value is not a signature of this version. */
char *fed_sig_peer(const char *header);

/* fed_verify - is header a signature of xml by its peer under one of
 * secrets (NULL-terminated: the current and, during a change-over, the
 * previous one), made no more than FED_MAX_AGE before now and no more
 * than FED_MAX_SKEW after (now in seconds)?  The MACs are compared in
 * constant time.  FALSE with LR_ERROR_PERM saying why (never which secret
 * came close). */
gboolean fed_verify(const char *header, GBytes *xml, GBytes *const *secrets, gint64 now,
                    GError **error);

#endif
