/*
 * report_progress.c -- --progress: one live line on the progress stream,
 * redrawn a few times a second by a thread of its own; off a terminal,
 * rsync's line per copied file on stdout (what rsync -P writes to cron).
 *
 * Knows nothing of the run: a snapshot function hands it the counts.
 * Draws only when the host says the progress stream is a terminal
 * (--progress=always: anyway), never to the terminal's last column (a
 * wrapped line leaves a stale row at every redraw), and through
 * report_emit_locked() so that item and error lines wipe it first.
 */
#define _GNU_SOURCE
#include "report_int.h"

#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct report_prog {
	pthread_t thread;
	pthread_mutex_t lock;	/* guards current[], stop */
	pthread_cond_t wake;
	bool stop;
	char current[PATH_MAX];
	void (*fn)(struct report_progress *, void *);
	void *arg;
	double t0;
	int width;		/* of the last line drawn */
};

static void report_progress_free_one(struct report_prog *p)
{
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}

void report_set_current(struct report *r, const char *relpath)
{
	struct report_prog *p = r->prog;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(p->current, sizeof(p->current), "%s", relpath);
	pthread_mutex_unlock(&p->lock);
}

static const char *human_bytes(char *buf, size_t size, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

/* The width of the terminal (80 if it cannot be told). */
static int terminal_cols(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col < 500 ? ws.ws_col : 500;
	return 80;
}

/* The counts part of the line: "\rN/M files  A/B  R/s  ETA". */
static int counts(struct report_prog *p, char *line, size_t size,
    bool final)
{
	struct report_progress c = { 0 };
	char a[32], b[32], rt[32], eta[32];
	double el = util_now() - p->t0;
	double rate;

	p->fn(&c, p->arg);
	rate = el > 0 ? (double)c.bytes_done / el : 0;
	if (c.bytes_todo > c.bytes_done && rate > 0 && el > 1.0) {
		long s = (long)((double)(c.bytes_todo - c.bytes_done) / rate);

		snprintf(eta, sizeof(eta), "ETA %ld:%02ld:%02ld", s / 3600,
		    s / 60 % 60, s % 60);
	} else {
		snprintf(eta, sizeof(eta), "%s", final ? "done" : "ETA -:--:--");
	}
	return snprintf(line, size, "\r%llu/%llu files  %s/%s  %s/s  %s",
	    (unsigned long long)c.files_done,
	    (unsigned long long)c.files_seen,
	    human_bytes(a, sizeof(a), (double)c.bytes_done),
	    human_bytes(b, sizeof(b), (double)c.bytes_todo),
	    human_bytes(rt, sizeof(rt), rate), eta);
}

static void draw(struct report *r, bool final)
{
	struct report_prog *p = r->prog;
	char line[512], cur[PATH_MAX], esc[160];
	int n, room, cols = terminal_cols();

	n = counts(p, line, sizeof(line), final);
	if (n < 0)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(cur, sizeof(cur), "%s", final ? "" : p->current);
	pthread_mutex_unlock(&p->lock);
	/* The file name gets what room is left (in bytes, which is at least
	 * its width). */
	room = cols - 1 - (n - 1) - 2;
	if (*cur && room > 8) {
		util_escape_name(esc, (size_t)room + 1 < sizeof(esc) ?
		    (size_t)room + 1 : sizeof(esc), cur);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s", esc);
	}
	if (n - 1 > cols - 1)
		n = cols;
	/* Pad over what the previous, longer line left behind. */
	while (n < p->width && n < cols && (size_t)n < sizeof(line) - 2)
		line[n++] = ' ';
	p->width = n;
	if (final)
		line[n++] = '\n';
	line[n] = '\0';
	pthread_mutex_lock(&r->lock);
	report_emit_locked(r, TS_OUT_PROGRESS, line, (size_t)n);
	r->progress_shown = final ? 0 : p->width - 1;
	pthread_mutex_unlock(&r->lock);
}

static void *progress_main(void *arg)
{
	struct report *r = arg;
	struct report_prog *p = r->prog;
	struct timespec ts;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;	/* 4 redraws a second */
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->lock);
		draw(r, false);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

bool report_progress_live(const struct report *r)
{
	return r->prog != NULL;
}

/* rsync's rate: kB/s, MB/s or GB/s (powers of 1024). */
static const char *rate_units(double *rate)
{
	*rate /= 1024.0;
	if (*rate > 1024.0 * 1024.0) {
		*rate /= 1024.0 * 1024.0;
		return "GB/s";
	}
	if (*rate > 1024.0) {
		*rate /= 1024.0;
		return "MB/s";
	}
	return "kB/s";
}

/*
 * rsync's final progress line of a file (progress.c rprint_progress()):
 * "\r  SIZE 100%  RATE  H:MM:SS (xfr#N, ir-chk=LEFT/SEEN)".  Files are
 * copied in parallel, so the rate is the run's so far and the time the
 * run's; "ir-chk" because the trees are still being read (rsync's
 * incremental recursion).  --info=progress2: the run's bytes against what
 * is known to be copied, on one line redrawn with '\r'.
 */
void report_progress_file_locked(struct report *r, uint64_t size,
    uint64_t xfer)
{
	struct report_progress c = { 0 };
	double el = util_now() - r->t0, rate;
	uint64_t done = atomic_load(&r->xfer_bytes), total, pos;
	unsigned long secs = (unsigned long)(el > 0 ? el : 0);
	const char *units;
	char line[256], num[32];
	int pct, n;

	if (r->snap_fn)
		r->snap_fn(&c, r->snap_arg);
	if (r->info[TS_INFO_PROGRESS] >= 2) {
		/* The run's: what is copied and counted by now (lines come
		 * in lock order, so these never go back); under
		 * treesync-mpi every rank's, its rate too. */
		done += c.others_bytes;
		total = c.bytes_todo > done ? c.bytes_todo : done;
		pos = done;
		xfer = atomic_load(&r->xfers) + c.others_xfers;
	} else {
		total = pos = size;
	}
	rate = el > 0.001 ? (double)done / el : 0;
	units = rate_units(&rate);
	pct = pos == total ? 100 : (int)(100.0 * (double)pos / (double)total);
	n = snprintf(line, sizeof(line), "\r%15s %3d%% %7.2f%s %4lu:%02lu:%02lu "
	    "(xfr#%llu, ir-chk=%llu/%llu)%s",
	    report_num(num, sizeof(num), (int64_t)pos, r->human), pct, rate,
	    units, secs / 3600, secs / 60 % 60, secs % 60,
	    (unsigned long long)xfer,
	    (unsigned long long)(c.files_seen > c.files_done ?
	    c.files_seen - c.files_done : 0),
	    (unsigned long long)c.files_seen,
	    r->info[TS_INFO_PROGRESS] >= 2 ? "" : "\n");
	if (n > 0)
		report_emit_locked(r, TS_OUT_STDOUT, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	r->total_line = r->info[TS_INFO_PROGRESS] >= 2;
}

void report_progress_break(struct report *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->total_line)
		report_emit_locked(r, TS_OUT_STDOUT, "\n", 1);
	r->total_line = false;
	pthread_mutex_unlock(&r->lock);
	report_flush(r);
}

void report_progress_total(struct report *r)
{
	struct report_progress c = { 0 };

	if (r->info[TS_INFO_PROGRESS] < 2 || report_progress_live(r))
		return;
	if (r->snap_fn)
		r->snap_fn(&c, r->snap_arg);
	pthread_mutex_lock(&r->lock);
	if (r->total_line || c.others_xfers)
		report_progress_file_locked(r, 0, 0);
	pthread_mutex_unlock(&r->lock);
}

void report_progress_start(struct report *r,
    void (*fn)(struct report_progress *, void *), void *arg, bool always)
{
	struct report_prog *p;

	/* Off a terminal the counts still feed rsync's per-file lines. */
	r->snap_fn = fn;
	r->snap_arg = arg;
	if (r->prog || (!always &&
	    !r->host.is_terminal(r->host.arg, TS_OUT_PROGRESS)))
		return;		/* cron: nobody watches */
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->fn = fn;
	p->arg = arg;
	p->t0 = util_now();
	r->prog = p;
	if (pthread_create(&p->thread, NULL, progress_main, r) != 0) {
		r->prog = NULL;
		report_progress_free_one(p);
	}
}

void report_progress_stop(struct report *r)
{
	struct report_prog *p = r->prog;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	draw(r, true);
	r->prog = NULL;
	report_progress_free_one(p);
}

void report_progress_free(struct report *r)
{
	report_progress_stop(r);
}
