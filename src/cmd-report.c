/* cmd-report.c - leadroute report (being built: see the open issue). */
#include "config.h"

#include <stdio.h>

#include "src/commands.h"

int cmd_report(int argc, char **argv)
{
	fprintf(stderr, "leadroute report: not built yet\n");
	return 70;
}
