/*
 * lock.c -- --lock: one run at a time on a destination (or a named file).
 */
#define _GNU_SOURCE
#include "run.h"

#include "oppath.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* --- the single-instance lock ----------------------------------------- */

/* The pid holding a flock on (DEV, INO), from /proc/locks; 0 if unknown. */
static long lock_holder(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	long pid = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, mn;
		unsigned long long in;
		long p;

		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
		if (!strstr(line, "FLOCK") ||
		    sscanf(strstr(line, "WRITE") ? strstr(line, "WRITE") + 5 :
		    line, "%ld %x:%x:%llu", &p, &maj, &mn, &in) != 4)
			continue;
		if (in == (unsigned long long)ino && maj == major(dev) &&
		    mn == minor(dev)) {
			pid = p;
			break;
		}
	}
	fclose(f);
	return pid;
}

/*
 * --lock: an exclusive flock on the destination directory (or on the named
 * file), held until the process ends.  With --lock-wait, polls until the
 * holder is gone.  Returns the locked fd (kept open), LOCK_HELD after
 * saying who holds it, LOCK_ERROR (the lock cannot be used at all) or
 * LOCK_SIGNAL (a signal came while waiting).
 */

int lock_take(struct ts_run *run)
{
	const struct ts_options *o = run->o;
	const char *what = *o->lock_file ? o->lock_file : o->dest;
	double until = util_now() + o->lock_wait;
	struct stat st;
	int fd;

	if (*o->lock_file) {
		/* An operator path: another user's symlink is not followed. */
		uid_t bad = (uid_t)-1;

		fd = oppath_open(AT_FDCWD, o->lock_file, O_RDWR | O_CREAT |
		    O_NOCTTY, 0644, o->insecure_links ? OPPATH_INSECURE : 0,
		    &bad);
		if (fd == -ELOOP && bad != (uid_t)-1) {
			report_error(run->rep, OPPATH_REFUSED_FMT, (unsigned)bad, what);
			return LOCK_ERROR;
		}
		if (fd < 0)
			errno = -fd;
	} else {
		fd = fcntl(run->plan.dst_fd, F_DUPFD_CLOEXEC, 0);
	}
	if (fd < 0) {
		report_errno(run->rep, errno, "cannot open lock", what);
		return LOCK_ERROR;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK) {
			report_errno(run->rep, errno, "cannot lock", what);
			close(fd);
			return LOCK_ERROR;
		}
		if (run_cancelled(run)) {
			close(fd);
			return LOCK_SIGNAL;
		}
		if (util_now() >= until)
			break;
		usleep(100 * 1000);
	}
	if (fstat(fd, &st) == 0) {
		long pid = lock_holder(st.st_dev, st.st_ino);

		if (pid > 0)
			report_error(run->rep, "'%s' is locked by process %ld (another "
			    "treesync run?); not running", what, pid);
		else
			report_error(run->rep, "'%s' is locked by another process; "
			    "not running", what);
	}
	close(fd);
	return LOCK_HELD;
}

int lock_exit_code(int r)
{
	return r == LOCK_HELD ? TS_EXIT_LOCKED : r == LOCK_SIGNAL ?
	    TS_EXIT_SIGNAL : TS_EXIT_SELECT;
}
