/* html.h - a computed report as one self-contained HTML page.
 *
 * Inline CSS and SVG only: no script, no external resource, so it opens
 * from a mail attachment.  KPI tiles (leads, accepted, contacted, won,
 * conversion, won amount, median time to accept, SLA breaches) with the
 * change against the previous period; the funnel; the time-to-accept
 * histogram in SLA bands (0-5, 5-15, 15-60, 60+ minutes); per-rep and
 * per-partner bars; leads per day; the rows of the chosen view.  Fits a
 * 390 px wide phone screen.  The same report gives the same bytes (the
 * only time printed is the period, from --since/--until/--now).
 *
 * Every value from a lead is escaped (& < > " '), control characters and
 * bidi overrides become U+FFFD, and long names are cut to a readable
 * length; tiles carry id="tile-NAME" and their values are the JSON output's
 * cells. */
#ifndef LR_REPORT_HTML_H
#define LR_REPORT_HTML_H

#include <stdio.h>

#include "report/compute.h"

/* report_write_html - the page to out. */
void report_write_html(LrReport *r, FILE *out);

/* report_html_escape - s for HTML text or an attribute, cut to at most max
 * characters (0 = no limit) with an ellipsis.  Returns a new string. */
char *report_html_escape(const char *s, glong max);

#endif
