/* tls-verify.c - the server certificate check libetpan does not make.
 *
 * libetpan's GnuTLS stream completes the handshake without looking at the
 * certificate.  Before any password leaves, the peer's chain is taken
 * from the stream (mailstream_get_certificate_chain) and verified with GnuTLS against ca_file (or
 * the system CAs) and the host name, or compared with a pinned SHA-256 fingerprint. */
#include "config.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "intake/source-int.h"
#include "lead/log.h"
#include "lead/lr-error.h"

/* tls_sni_callback - set SNI on libetpan's context. */
void tls_sni_callback(struct mailstream_ssl_context *ssl, void *data)
{
	mailstream_ssl_set_server_name(ssl, data);
}

/* peer_chain - the peer's certificates as DER, leaf first, from the
 * stream's chain (each datum borrows from chain); NULL when none. */
static gnutls_datum_t *peer_chain(carray *chain, unsigned *n)
{
	gnutls_datum_t *v;

	*n = chain ? carray_count(chain) : 0;
	if (*n == 0)
		return NULL;
	v = g_new0(gnutls_datum_t, *n);
	for (unsigned i = 0; i < *n; i++) {
		MMAPString *der = carray_get(chain, i);
		v[i].data = (unsigned char *)der->str;
		v[i].size = (unsigned)der->len;
	}
	return v;
}

/* check_pin - the leaf's SHA-256 against the pinned fingerprint. */
static gboolean check_pin(const LrSource *src, const gnutls_datum_t *leaf, GError **error)
{
	g_autofree char *sum =
	    g_compute_checksum_for_data(G_CHECKSUM_SHA256, leaf->data, leaf->size);

	if (strcmp(sum, src->fingerprint) == 0)
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
	            "source=%s certificate refused: its "
	            "SHA-256 fingerprint %s is not the pinned one",
	            src->id, sum);
	return FALSE;
}

/* trust_list - ca_file's CAs, or the system's. */
static gboolean trust_list(const LrSource *src, gnutls_x509_trust_list_t *tl, GError **error)
{
	int r;

	gnutls_x509_trust_list_init(tl, 0);
	r = src->ca_file ? gnutls_x509_trust_list_add_trust_file(*tl, src->ca_file, NULL,
	                                                         GNUTLS_X509_FMT_PEM, 0, 0)
	                 : gnutls_x509_trust_list_add_system_trust(*tl, 0, 0);
	if (r > 0)
		return TRUE;
	gnutls_x509_trust_list_deinit(*tl, 1);
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s no trusted CA loaded from %s",
	            src->id, src->ca_file ? src->ca_file : "the system store");
	return FALSE;
}

/* check_chain - chain, validity and host name through a trust list. */
static gboolean check_chain(const LrSource *src, const gnutls_datum_t *certs, unsigned n,
                            GError **error)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t *crts = NULL;
	unsigned ncrts = 0, status = 0;
	int r = 0;
	gnutls_typed_vdata_st vdata = {GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)src->host, 0};
	gnutls_datum_t why = {NULL, 0};

	if (!trust_list(src, &tl, error))
		return FALSE;
	crts = g_new0(gnutls_x509_crt_t, n);
	for (unsigned i = 0; i < n && r == 0; i++, ncrts++) {
		gnutls_x509_crt_init(&crts[i]);
		r = gnutls_x509_crt_import(crts[i], &certs[i], GNUTLS_X509_FMT_DER);
	}
	if (r == 0)
		r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, &vdata, 1, 0, &status, NULL);
	if (r == 0 && status != 0)
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
	for (unsigned i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	g_free(crts);
	gnutls_x509_trust_list_deinit(tl, 1);
	if (r == 0 && status == 0)
		return TRUE;
	g_set_error(error, LR_ERROR, LR_ERROR_TEMP, "source=%s certificate of %s refused: %s",
	            src->id, src->host, r != 0 ? gnutls_strerror(r) : (char *)why.data);
	gnutls_free(why.data);
	return FALSE;
}

/* tls_verify_stream - verify before the password is sent. */
gboolean tls_verify_stream(LrSourceCtx *ctx, mailstream *stream, GError **error)
{
	const LrSource *src = ctx->src;
	carray *certs = mailstream_get_certificate_chain(stream);
	unsigned n = 0;
	g_autofree gnutls_datum_t *chain = peer_chain(certs, &n);
	gboolean ok;

	if (!src->tls_verify) {
		lr_log_warn(0, "source=%s certificate NOT verified (tls_verify = false)", src->id);
		if (ctx->probe)
			ctx->probe->cert_info = g_strdup("not verified (tls_verify = false)");
		if (certs)
			mailstream_certificate_chain_free(certs);
		return TRUE;
	}
	if (chain == NULL) {
		if (certs)
			mailstream_certificate_chain_free(certs);
		g_set_error(error, LR_ERROR, LR_ERROR_TEMP,
		            "source=%s certificate refused: the "
		            "server sent none",
		            src->id);
		return FALSE;
	}
	ok =
	    src->fingerprint ? check_pin(src, &chain[0], error) : check_chain(src, chain, n, error);
	if (ok && ctx->probe)
		ctx->probe->cert_info = g_strdup(src->fingerprint ? "matches the pinned fingerprint"
		                                                  : "chain and host name verified");
	if (ok && ctx->probe)
		ctx->probe->cert_ok = TRUE;
	mailstream_certificate_chain_free(certs);
	return ok;
}
