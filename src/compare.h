/*
 * compare.h -- decide what to do with one (source, destination) entry pair.
 *
 * A pure function of its inputs: no I/O, so it is unit-tested without a
 * disk.  Anything that needs I/O to decide (a checksum, a symlink target)
 * is read by the caller and passed in.
 */
#ifndef TS_COMPARE_H
#define TS_COMPARE_H

#include "walk.h"

#include <stdbool.h>
#include <stdint.h>

struct ts_options;

/* rsync's itemize flags (the meaning of each column of "YXcstpoguax"). */
enum item_flags {
	IT_TRANSFER = 1 << 0,		/* Y = '>': data is copied */
	IT_LOCAL_CHANGE = 1 << 1,	/* Y = 'c': created or changed here */
	IT_HARDLINK = 1 << 2,		/* Y = 'h' */
	IT_IS_NEW = 1 << 3,		/* attributes print as "+++++++++" */
	IT_DELETED = 1 << 4,		/* "*deleting" */
	IT_REPORT_CHANGE = 1 << 5,	/* c: checksum / link target / rdev */
	IT_REPORT_SIZE = 1 << 6,	/* s */
	IT_REPORT_TIME = 1 << 7,	/* t (T when times are not kept) */
	IT_REPORT_PERMS = 1 << 8,	/* p */
	IT_REPORT_OWNER = 1 << 9,	/* o */
	IT_REPORT_GROUP = 1 << 10,	/* g */
	IT_REPORT_ATIME = 1 << 11,	/* u */
	IT_REPORT_ACL = 1 << 12,	/* a */
	IT_REPORT_XATTR = 1 << 13,	/* x */
	IT_ALT_MATCH = 1 << 14,		/* made as its match in an alternate
					 * dir (--link-dest ...): no link name,
					 * said at -ii and -vv only, as rsync */
};

#define IT_REPORT_ANY                                                       \
	(IT_REPORT_CHANGE | IT_REPORT_SIZE | IT_REPORT_TIME |               \
	    IT_REPORT_PERMS | IT_REPORT_OWNER | IT_REPORT_GROUP |           \
	    IT_REPORT_ATIME | IT_REPORT_ACL | IT_REPORT_XATTR)

enum cmp_action {
	CMP_NONE,		/* up to date and nothing printed */
	CMP_SKIP_TYPE,		/* a type the options do not transfer */
	CMP_SKIP_DIR,		/* a directory without -r */
	CMP_SKIP,		/* skipped by -u, --existing, --ignore-existing */
	CMP_ATTRS,		/* same data: set attributes that differ */
	CMP_COPY,		/* regular file: copy the data */
	CMP_MKDIR,		/* create the directory, then descend */
	CMP_DIR,		/* existing directory: descend, fix attributes */
	CMP_BLOCKED,		/* a directory where a non-directory stays
				 * (--ignore-existing): its entries fail */
	CMP_SYMLINK,		/* create or replace a symlink */
	CMP_MKNOD,		/* create or replace a device, FIFO or socket */
};

/* What the caller knows about the pair. */
struct cmp_in {
	const struct ts_entry *src;
	const struct ts_entry *dst;	/* NULL: no destination entry */
	const char *src_target;		/* symlink targets, when both links */
	const char *dst_target;
	int content_differs;		/* -c: 1, 0, or -1 when not computed */
	bool xattr_differs;		/* -X: read by the caller */
	bool acl_differs;		/* -A: read by the caller */
	bool am_root;
};

struct cmp_out {
	enum cmp_action action;
	uint32_t iflags;	/* enum item_flags */
	bool remove_dst;	/* the destination entry must go first */
	bool dst_is_dir;	/* ... and it is a directory */
	bool fix_time;		/* -c: same data, mtime set to the exact ns */
};

/*
 * Decides the action and the itemize flags for one pair.  Pure and
 * thread-safe.  When the options ask for -c on two regular files of equal
 * size, in->content_differs must be 0 or 1 (see cmp_needs_checksum).
 */
void cmp_decide(const struct ts_options *o, const struct cmp_in *in,
    struct cmp_out *out);

/* True when cmp_decide() needs the contents compared for this pair. */
bool cmp_needs_checksum(const struct ts_options *o,
    const struct ts_entry *src, const struct ts_entry *dst);

/* True when two modification times are "the same" under --modify-window. */
bool cmp_same_mtime(const struct ts_options *o, const struct ts_entry *a,
    const struct ts_entry *b);

/*
 * Formats rsync's 11-character itemize string for IFLAGS and the source
 * type MODE into BUF (at least 12 bytes).  Pure.
 */
void cmp_itemize_string(const struct ts_options *o, uint32_t iflags,
    uint32_t mode, char *buf);

#endif /* TS_COMPARE_H */
