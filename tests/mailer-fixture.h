/* mailer-fixture.h - what the mailer tests share (tests/mailer-fixture.c):
 * the secret of their tokens, the shipped templates, a sample lead, and
 * composing and re-parsing a notification with GMime. */
#ifndef LR_TESTS_MAILER_FIXTURE_H
#define LR_TESTS_MAILER_FIXTURE_H

#include <gmime/gmime.h>

#include "lead/lead.h"
#include "mailer/compose.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)

static const char secret[] G_GNUC_UNUSED = "0123456789abcdef0123456789abcdef";
#define SECRET secret, sizeof secret - 1

/* templates_dir - the shipped templates in the source tree. */
const char *templates_dir(void);

/* sample_config - the mailer configuration of these tests. */
LrMailerConfig sample_config(void);

/* sample_lead - lead 42 with a few fields. */
LrLead *sample_lead(void);

/* parse_message - bytes re-parsed with GMime (the test owns the ref). */
GMimeMessage *parse_message(GBytes *bytes);

/* part_text - the decoded text of the first part of mime type type/subtype
 * that is not an attachment; NULL when there is none. */
char *part_text(GMimeMessage *msg, const char *type, const char *subtype);

/* compose_ok - compose and assert success. */
GBytes *compose_ok(const LrLead *lead, const LrNotice *notice, guint seq);

#endif
