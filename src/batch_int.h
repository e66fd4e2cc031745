/*
 * batch_int.h -- what the batch files share (batch.c: the recording and
 * the script; batch_write.c: the archive; batch_read.c: the replay).
 * Nothing else includes it.
 */
#ifndef TS_BATCH_INT_H
#define TS_BATCH_INT_H

#include "batch.h"

#include <stddef.h>

#define MANIFEST_NAME "manifest"
#define MANIFEST_MAGIC "treesync batch 1"
#define MANIFEST_MAX (64u << 20)	/* bytes: a sanity bound on read */

/* The transfer flags a batch carries and a replay takes from it (rsync's
 * batch header "stream flags": the reading command line does not change
 * them). */
enum batch_flag {
	BF_RECURSIVE = 1 << 0,
	BF_DIRS = 1 << 1,
	BF_LINKS = 1 << 2,
	BF_HARD_LINKS = 1 << 3,
	BF_OWNER = 1 << 4,
	BF_GROUP = 1 << 5,
	BF_DEVICES = 1 << 6,
	BF_SPECIALS = 1 << 7,
	BF_XATTRS = 1 << 8,
	BF_ACLS = 1 << 9,
};

/* A growing array of malloc'ed strings. */
struct strv {
	char **v;
	size_t n, cap;
};

void batch_strv_add(struct strv *s, char *str);
void batch_strv_free(struct strv *s);

/* One file the write side makes (batch.c): written under a temp name in
 * its directory and renamed over NAME only once it is complete. */
struct batch_out {
	int fd;			/* the file being written, or -1 */
	int dirfd;		/* its directory, or -1: written in place */
	char *name;		/* the final name in dirfd */
	char *tmp;		/* the temp name in dirfd */
};

struct batch_rec {
	struct cli *c;
	struct ts_host chained;	/* the host's own callbacks */
	struct batch_out out, sh;	/* the batch file and its .sh */
	int fd, shfd;		/* out.fd and sh.fd */
	bool from_dest;		/* --write-batch: entries read from DEST */
	struct strv items;	/* changed entries (no trailing '/') */
	struct strv dels;	/* deleted ones ("/" appended: a directory) */
};

/* "treesync: " FMT and a newline on stderr. */
__attribute__((format(printf, 1, 2)))
void batch_say(const char *fmt, ...);

/* PATH without its trailing '/'s ("/" stays), malloc'ed. */
char *batch_strip_slash(const char *path);

/* batch_write.c: R's entries archived into its batch file, the manifest
 * last.  0 or -errno (reported). */
int batch_write_archive(struct batch_rec *r);

#endif /* TS_BATCH_INT_H */
