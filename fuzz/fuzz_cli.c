/*
 * fuzz_cli.c -- libFuzzer target for the option parser (src/cli.c).
 *
 * The input is argv[1..] separated by NUL bytes (at most 64 arguments).
 * Arguments naming device or proc files are dropped (a rule file option
 * would read them forever); stdin is /dev/null.  The parser must never
 * crash, leak (LeakSanitizer) or touch memory it does not own, whatever
 * it returns.
 */
#include "cli.h"
#include "common.h"

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

/* glibc's getopt keeps a pointer into the previous argv unless optind is
 * 0 when it starts; cli_parse() sets optind = 1, so reset it here (the
 * program calls cli_parse once per process; see fuzz/README.md). */
static void reset_getopt(void)
{
	static char a0[] = "x";
	static char *dummy[] = { a0, NULL };

	optind = 0;
	opterr = 0;
	if (!getenv("FUZZ_CLI_NO_RESET"))
		getopt(1, dummy, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	char *argv[MAX_ARGS + 2];
	int argc = 1;
	size_t i = 0;
	struct cli c;

	fuzz_sandbox();
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = (char *)"treesync";
	while (i <= size && argc <= MAX_ARGS) {
		char *a = copy + i;
		size_t n = strlen(a);

		if (!fuzz_dangerous_path(a))
			argv[argc++] = a;
		i += n + 1;
	}
	argv[argc] = NULL;
	/* Each argument on its own heap block: ASan sees reads past it. */
	for (int k = 1; k < argc; k++)
		argv[k] = strdup(argv[k]);
	free(copy);

	reset_getopt();
	cli_parse(argc, argv, &c);
	cli_free(&c);

	for (int k = 1; k < argc; k++)
		free(argv[k]);
	return 0;
}
