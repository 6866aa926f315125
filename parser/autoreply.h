/* autoreply.h - mail that no person wrote for this exchange: auto-replies,
 * bounces and mailing-list traffic, shared by the inquiry and reply parsers;
 * and the main text of a message, decoded, that both parsers read. */
#ifndef LR_AUTOREPLY_H
#define LR_AUTOREPLY_H

#include <glib.h>
#include <gmime/gmime.h>

/* autoreply_detect - TRUE when message is not written by a person for this
 * exchange: an auto-reply (Auto-Submitted other than "no", X-Autoreply,
 * X-Autorespond, Precedence bulk/junk/auto_reply, X-Auto-Response-Suppress
 * naming OOF, vacation / out-of-office subjects in the common languages), a
 * bounce or delivery report (multipart/report, message/delivery-status,
 * MAILER-DAEMON or postmaster From, null sender via Return-Path <>) or
 * mailing-list traffic (List-Id, or List-Unsubscribe with Precedence list).
 * *reason (when reason is not NULL) is set to "auto-reply", "bounce" or
 * "mailing-list" (static strings), or NULL when FALSE. */
gboolean autoreply_detect(GMimeMessage *message, const char **reason);

/* autoreply_until - for an out-of-office message, the date it says the
 * person is away until or back on ("until 30 November", "back on
 * 2026-12-01", "bis zum 30.11.2026", "jusqu'au 30/11", "until Monday"), as a
 * new GDateTime at midnight in now's time zone, or NULL when none is named.
 * now gives the year (and the week) when the text names none. */
GDateTime *autoreply_until(GMimeMessage *message, GDateTime *now);

/* autoreply_until_text - the same date read from text ("until 24
 * December", "bis 3.1.", "until 2026-12-24"), or NULL. */
GDateTime *autoreply_until_text(const char *text, GDateTime *now);

/* autoreply_message_text - the main text of message in UTF-8: the first
 * text/plain body that is not an attachment (charset decoded, format=flowed
 * joined: mimetext_part_text), else
 * the HTML body turned to text with the quoted part (Gmail, Outlook, Yahoo
 * quote containers) cut off.  Returns a new string, "" when there is no
 * text at all. */
char *autoreply_message_text(GMimeMessage *message);

#endif
