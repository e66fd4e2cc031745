/*
 * common.h -- shared bits of the libFuzzer targets: keep the process from
 * reading anything it was not meant to (stdin, device files) whatever the
 * input says.
 */
#ifndef TS_FUZZ_COMMON_H
#define TS_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Called once: stdin from /dev/null ("-" as a rule file reads it), HOME
 * an empty place ($HOME/.cvsignore for -C). */
static inline void fuzz_sandbox(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	if (!freopen("/dev/null", "r", stdin))
		abort();
	setenv("HOME", "/nonexistent-fuzz-home", 1);
	unsetenv("CVSIGNORE");
	unsetenv("TREESYNC_FAULTS");
}

/* Paths a rule file option must never name: endless or blocking files. */
static inline int fuzz_dangerous_path(const char *s)
{
	return strstr(s, "/dev") || strstr(s, "/proc") || strstr(s, "/sys") ||
	    strstr(s, "/run") || strstr(s, "fd/");
}

#endif
