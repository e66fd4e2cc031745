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
 * A named lock file says who holds it, for runs on other hosts (a lock
 * file on a shared file system, as cron jobs on several nodes or
 * treesync-mpi's rank 0 use it), which /proc/locks cannot tell: one line,
 * written by the holder just after it took the lock.  Only an empty file
 * or one that holds such a line is written: a file the user named that
 * has something else in it is left as it is.
 */
#define HOLDER_TAG "treesync lock: pid "

static void holder_write(int fd)
{
	char line[64 + HOST_NAME_MAX], old[sizeof(HOLDER_TAG) - 1];
	char host[HOST_NAME_MAX + 1] = "";
	ssize_t n = pread(fd, old, sizeof(old), 0);
	int len;

	if (n < 0 || (n > 0 && ((size_t)n < sizeof(old) ||
	    memcmp(old, HOLDER_TAG, sizeof(old)) != 0)))
		return;
	gethostname(host, sizeof(host) - 1);
	len = snprintf(line, sizeof(line), HOLDER_TAG "%ld on %s\n",
	    (long)getpid(), host);
	if (ftruncate(fd, 0) == 0 && len > 0)
		(void)!pwrite(fd, line, (size_t)len, 0);
}

/* The holder a named lock file names: true with *PID and HOST (of
 * HOST_NAME_MAX + 1 bytes) set. */
_Static_assert(HOST_NAME_MAX == 64, "the %64 of holder_read()");
static bool holder_read(int fd, long *pid, char *host)
{
	char line[64 + HOST_NAME_MAX];
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);

	if (n <= (ssize_t)(sizeof(HOLDER_TAG) - 1))
		return false;
	line[n] = '\0';
	if (strncmp(line, HOLDER_TAG, sizeof(HOLDER_TAG) - 1) != 0)
		return false;
	return sscanf(line + sizeof(HOLDER_TAG) - 1, "%ld on %64[^\n]", pid,
	    host) == 2;
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

		struct oppath_how how = oppath_unconfined(oppath_how_of(o));

		fd = oppath_open(AT_FDCWD, o->lock_file, O_RDWR | O_CREAT |
		    O_NOCTTY, 0644, how, &bad);
		if (fd == -ELOOP && bad != (uid_t)-1) {
			report_error(run->rep, "%s", oppath_refusal(how, bad,
			    what));
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
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (*o->lock_file)
				holder_write(fd);
			return fd;
		}
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
		char host[HOST_NAME_MAX + 1], here[HOST_NAME_MAX + 1] = "";
		long pid = lock_holder(st.st_dev, st.st_ino), rpid;

		/* A holder on this host is in /proc/locks (a record naming
		 * this host may be a dead run's); one on another is not. */
		gethostname(here, sizeof(here) - 1);
		if (*o->lock_file && holder_read(fd, &rpid, host) &&
		    strcmp(host, here) != 0)
			report_error(run->rep, "'%s' is locked by process %ld on "
			    "host %s (another treesync run?); not running", what,
			    rpid, host);
		else if (pid > 0)
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
