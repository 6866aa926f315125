/* leadrouted - the daemon (being built). */
#include "config.h"

int main(void)
{
	return 70;
}
