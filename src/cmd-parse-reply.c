/* cmd-parse-reply.c - leadroute parse-reply (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_parse_reply(int argc, char **argv)
{
	fprintf(stderr, "leadroute parse-reply: not built yet\n");
	return 70;
}
