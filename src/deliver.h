/* deliver.h - Postfix pipe(8) delivery: one message on standard input. */
#ifndef LR_DELIVER_H
#define LR_DELIVER_H

/* deliver_main - `[-c FILE] [-r RECIPIENT]... [-s SENDER]`: store standard
 * input durably, once.  Returns a sysexits code: 0 stored (or a duplicate),
 * EX_TEMPFAIL (75) try again, EX_DATAERR (65) never, EX_USAGE (64); prints
 * one "D.S.N text" line saying why. */
int deliver_main(int argc, char **argv);

#endif
