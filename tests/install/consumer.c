/*
 * consumer.c -- the smallest user of the installed library: includes the
 * public header as a user would and calls into libtreesync.so.  Built by
 * run.sh against an installation, never against src/.
 */
#include <stdio.h>

#include <treesync/treesync.h>

int main(void)
{
	struct ts_options o;

	ts_options_init(&o);
	puts("consumer: ok");
	return 0;
}
