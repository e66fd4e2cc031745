/*
 * dtask_int.h -- what the dtask*.c files share (see dtask.h and
 * docs/mpi.md): the message format, its writer and bounded reader, the
 * proxy of another rank's directory, and the calls from one file to the
 * next.
 *
 *   dtask.c        the origin's side: tasks to messages, DONE back here,
 *                  the dispatch of every message (dtask_exec())
 *   dtask_steal.c  the thief's side: a stolen directory or batch of files
 *                  run below proxies re-opened from this rank's roots
 *   dtask_chunk.c  a big file's chunks on other ranks (CHUNK, CDONE)
 *   dtask_list.c   a --files-from list shared by broadcast (its own
 *                  pieces, not these messages)
 *
 * A message (host byte order: every rank runs the same build):
 *
 *   DIR	u8 kind, u8 version, u16 0, u64 node (on the origin rank),
 *		str parent (below DEST), u8 parent_known, u64 parent_ino,
 *		str name, entry src, entry dst, u16 flags (enum dir_flag),
 *		u32 iflags, u32 dflt, meta, u32 nups, per up: u32 operand,
 *		str rel (below the operand's fd), str disp, u64 ino,
 *		u64 rules_err (the depths, mod 64, of the directories
 *		there or above whose per-directory rule files could not be
 *		read: said already);
 *		u32 nsrcs, per source: u32 up, str name, u32 list (its
 *		--files-from list's index in run->sels, or NO_LIST), u8 sel
 *		(enum sel)
 *   FILES	u8 kind, u8 version, u16 0, u64 first file (on the origin),
 *		str dir (below DEST), u8 dir_known, u64 dir_ino, u32 dflt,
 *		u32 nups, the ups as in DIR (the file's source directories),
 *		u32 nfiles, per file: u32 up, str name, str src_name,
 *		str disp_name, entry src, entry dst, u8 flags (FF_*), u32 iflags,
 *		i32 basis (an alternate directory's index, -1: the source)
 *   CHUNK	u8 kind, u8 version, u16 0, u64 split (on the origin), u32
 *		operand (nsrcs + j: the alternate directory j, --copy-dest's
 *		basis), str source directory (below it), str name, u64
 *		ino, size, mtime s, mtime ns; str DEST directory, str temp,
 *		u64 temp ino; u64 off, len; u8 fsync
 *   CDONE	u8 kind, u8 version, u16 0, u64 split, i64 bytes or -errno,
 *		u64 end of the source if it ended early (else ~0), u8 side,
 *		u8 fatal, u8 what (enum chunk_what)
 *   DONE	u8 kind, u8 version, u16 0, u64 node or first file, u8 flags
 *		(enum done_flag), u8 what (DONE_DIR, DONE_FILES)
 *
 * "str" is a u32 length and the bytes; "entry" a struct ts_entry and
 * "meta" a struct meta_target as stored, their pointers cleared.
 *
 * The byte helpers are static inline: each file uses some of them, none
 * is part of an interface.  Not thread-safe on one buffer or reader; each
 * message has its own.
 */
#ifndef TS_DTASK_INT_H
#define TS_DTASK_INT_H

#include "dtask.h"

#include "run.h"
#include "util.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { DT_DIR = 1, DT_DONE = 2, DT_FILES = 3, DT_CHUNK = 4, DT_CDONE = 5,
	DT_PROG = 6, DT_VERSION = 6 };
enum { DONE_DIR, DONE_FILES };
/* FF_FOLLOW: the source name is a symlink the origin's scan follows (-L,
 * --copy-unsafe-links...): the file it points to is read. */
enum { FF_HAS_DST = 1 << 0, FF_CHECKSUM = 1 << 1, FF_FOLLOW = 1 << 2 };
#define MAX_UPS 64
#define MAX_FILES 4096

enum dir_flag {
	DF_HAS_DST = 1 << 0,
	DF_CREATE = 1 << 1,
	DF_BLOCKED = 1 << 2,
	DF_NO_DESCEND = 1 << 3,
	DF_APPLY_META = 1 << 4,
	DF_ATTRS_DIFFER = 1 << 5,
	DF_DST_ROOT_DEV = 1 << 6,	/* DEST entry on DEST's file system */
	DF_UNSENT = 1 << 7,		/* dnode.unsent (--no-implied-dirs) */
	DF_KEEP_SELF = 1 << 8,		/* -m: dnode.keep_self */
};
/* A DONE's u8 flags: how a stolen directory ended (-m). */
enum done_flag {
	DN_TOUCHED = 1 << 0,	/* entries made, replaced or removed in it */
	DN_KEPT = 1 << 1,	/* -m: made (or kept), not pruned */
	DN_DEL_OK = 1 << 2,	/* its extraneous entries were looked for */
};
#define NO_LIST UINT32_MAX	/* a source without a --files-from list */

/* What a chunk's error was doing (a CDONE's u8 what; its message in
 * dtask_chunk.c). */
enum chunk_what { CW_NONE, CW_OPEN, CW_CHANGED, CW_READ, CW_WRITE, CW_CLOSE,
	CW_HANDOFF, CW_CANCELLED };

/* A directory of another rank: what its sources are below the operands
 * (dnode->ext of a proxy node, dtask_steal.c). */
struct proxy {
	int origin;		/* the rank waiting for DONE */
	uint64_t node;		/* its node there (DONE_FILES: the first file) */
	uint8_t what;		/* DONE_DIR, DONE_FILES */
	uint8_t done;		/* -m: DN_KEPT, DN_DEL_OK of its stolen
				 * directory, once that is finished */
	int dst_fd;		/* closed at the end (a fixed slot is not) */
	int *alt_fd;		/* below each alternate directory (-1:
				 * absent there), closed at the end */
	size_t nups;
	uint32_t *op;		/* per source of the proxy: its operand */
	char **rel;		/* and its path below the operand's fd */
};

/* --- writing -------------------------------------------------------------- */

static inline void put(struct dtask_buf *b, const void *v, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
}

static inline void put_u8(struct dtask_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static inline void put_u32(struct dtask_buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static inline void put_u64(struct dtask_buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static inline void put_str(struct dtask_buf *b, const char *s)
{
	size_t n = strlen(s);

	put_u32(b, (uint32_t)n);
	put(b, s, n);
}

static inline void put_entry(struct dtask_buf *b, const struct ts_entry *e)
{
	struct ts_entry c = *e;

	c.name = NULL;
	put(b, &c, sizeof(c));
}

/* Starts message KIND about P (a pointer on the rank that made it) in
 * OUT, replacing what was there. */
static inline void put_head(struct dtask_buf *out, uint8_t kind,
    const void *p)
{
	out->n = 0;
	put_u8(out, kind);
	put_u8(out, DT_VERSION);
	put_u8(out, 0);
	put_u8(out, 0);
	put_u64(out, (uint64_t)(uintptr_t)p);
}

/* --- reading -------------------------------------------------------------- */

/* A bounded reader: every get fails once past the end. */
struct rd {
	const unsigned char *p;
	size_t n, at;
	bool bad;
};

static inline bool get(struct rd *r, void *v, size_t n)
{
	if (r->bad || r->n - r->at < n) {
		r->bad = true;
		memset(v, 0, n);
		return false;
	}
	memcpy(v, r->p + r->at, n);
	r->at += n;
	return true;
}

static inline uint8_t get_u8(struct rd *r)
{
	uint8_t v;

	get(r, &v, 1);
	return v;
}

static inline uint32_t get_u32(struct rd *r)
{
	uint32_t v;

	get(r, &v, 4);
	return v;
}

static inline uint64_t get_u64(struct rd *r)
{
	uint64_t v;

	get(r, &v, 8);
	return v;
}

/* A malloc'ed copy of the next string ("" once the reader failed). */
static inline char *get_str(struct rd *r)
{
	uint32_t n = get_u32(r);
	char *s;

	if (r->bad || r->n - r->at < n || memchr(r->p + r->at, 0, n)) {
		r->bad = true;
		return xstrdup("");
	}
	s = xmalloc((size_t)n + 1);
	memcpy(s, r->p + r->at, n);
	s[n] = '\0';
	r->at += n;
	return s;
}

/* A name within one directory: not empty, no '/', not "." or "..". */
static inline bool plain_name(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

/* --- from one file to the next -------------------------------------------- */

/* dtask_steal.c: a stolen DIR or FILES message (R past its head's kind
 * and version) run on worker W; 0 or -EPROTO. */
int dtask_run_dir(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w);
int dtask_run_files(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w);

/* dtask_steal.c: sends reply B (freed) to ORIGIN, which waits for it;
 * when it cannot be sent, says so (WHAT: what is done) and cancels the
 * run with an error, so nothing is deleted.  Thread-safe. */
void dtask_send_reply(struct ts_run *run, int origin, struct dtask_buf *b,
    const char *what);

/* dtask_steal.c: opens REL below ROOT (RESOLVE_BENEATH|
 * RESOLVE_NO_SYMLINKS), checked to be inode INO when INO is not 0: an fd
 * or -errno (-ESTALE: another directory).  Thread-safe. */
int dtask_open_checked(int root, const char *rel, uint64_t ino);

/* dtask_chunk.c: a CHUNK message run on worker W, reported to its owner;
 * a CDONE's outcome given to the waiting owner (this rank). */
int dtask_run_chunk(struct ts_run *run, int origin, bool cancelled,
    struct rd *r, int w);
void dtask_chunk_report(uint64_t split, int64_t n, uint64_t end,
    uint8_t side, bool fatal, uint8_t what);

#endif /* TS_DTASK_INT_H */
