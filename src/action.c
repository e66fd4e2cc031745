/*
 * action.c -- carrying out what was decided about one entry.
 *
 * item.c decides (with compare) and records the decision in a struct
 * action: the source entry and where it is, the destination entry, the
 * verdict and its itemize flags, a symlink's target, the attributes read
 * to compare.  Here the record is done: attributes set, a symlink or node
 * made, a file or directory task handed to the pool, a -H group told its
 * first link stands.  Deciding and doing meet nowhere else, so a dry run,
 * a host's callback and (later) a remote executor all start from the same
 * record.
 */
#define _GNU_SOURCE
#include "run.h"

#include "partial.h"
#include "report.h"

#include <stdio.h>
#include <sys/stat.h>

/*
 * --info=skip: why -u, --existing or --ignore-existing left an entry
 * alone (rsync's generator messages; at skip2 what would have changed).
 */
static void report_skip(struct dnode *d, const struct action *a,
    const char *rel)
{
	struct report *rep = d->run->rep;
	const struct ts_options *o = d->run->o;
	const struct ts_entry *src = a->it->ent, *dst = a->dst;
	struct ts_options plain;
	struct cmp_in in = { .src = src, .dst = dst, .content_differs = -1,
		.am_root = d->run->am_root };
	struct cmp_out out;
	const char *why;
	char fmt[64];

	if (!dst) {
		report_note_info(rep, TS_INFO_SKIP, 1, S_ISDIR(src->mode) ?
		    "not creating new directory \"%s\"" :
		    "not creating new file \"%s\"", rel);
		return;
	}
	if (!o->ignore_existing) {
		report_note_info(rep, TS_INFO_SKIP, 1, "%s is newer", rel);
		return;
	}
	plain = *o;
	plain.ignore_existing = plain.update = plain.checksum = false;
	cmp_decide(&plain, &in, &out);
	why = (dst->mode & S_IFMT) != (src->mode & S_IFMT) ? " (type change)"
	    : out.action == CMP_COPY ? (o->checksum ? " (sum change)" :
	    " (file change)") : out.action == CMP_NONE ? " (uptodate)" :
	    " (attr change)";
	snprintf(fmt, sizeof(fmt), "%%s exists%s",
	    report_info_level(rep, TS_INFO_SKIP) >= 2 ? why : "");
	report_note_info(rep, TS_INFO_SKIP, 1, fmt, rel);
}

void action_run(struct dnode *d, const struct action *a, char **rel)
{
	struct ts_run *run = d->run;
	const struct srcitem *it = a->it;
	const struct ts_entry *src = it->ent, *dst = a->dst;
	struct ts_entry made;
	struct report_src rsrc = { .ent = src, .dir = it->src_disp,
		.name = it->src_name };
	bool made_ok = false;

	if (a->checksum) {
		/* Undecided until the contents are compared: a file task
		 * does both, and tells the -H group itself. */
		ftask_submit(d, it, dst, NULL, true, a->hl, d->later);
		return;
	}
	switch (a->what) {
	case CMP_NONE:
		/* Up to date: said only at -ii or --info=name2 (rsync's
		 * ".f          x" and "x is uptodate"). */
		report_item_src(run->rep, a->iflags, &rsrc,
		    item_rel(d, it, rel), a->target, NULL);
		break;
	case CMP_SKIP:
		report_skip(d, a, item_rel(d, it, rel));
		break;
	case CMP_SKIP_TYPE:
		report_note_info(run->rep, TS_INFO_NONREG, 1,
		    "skipping non-regular file \"%s\"", item_rel(d, it, rel));
		break;
	case CMP_SKIP_DIR:
		report_note(run->rep, "skipping directory %s",
		    item_rel(d, it, rel));
		break;
	case CMP_ATTRS:
		item_apply_attrs(d, it->name, item_rel(d, it, rel), src, dst,
		    a->xattrs);
		report_item_src(run->rep, a->iflags, &rsrc,
		    item_rel(d, it, rel), a->target, NULL);
		break;
	case CMP_COPY: {
		struct cmp_out out = { .action = a->what, .iflags = a->iflags };

		ftask_submit(d, it, dst, &out, false, a->hl, d->later);
		return;	/* counted done when copied */
	}
	case CMP_MKDIR:
	case CMP_DIR:
	case CMP_BLOCKED:
		item_submit_dir(d, a);
		break;
	case CMP_SYMLINK:
	case CMP_MKNOD:
		made_ok = item_make(d, it, dst, a->iflags, a->target,
		    item_rel(d, it, rel), &made);
		break;
	}
	/* An up-to-date file's partial is of no more use (rsync). */
	if ((a->what == CMP_NONE || a->what == CMP_ATTRS) &&
	    S_ISREG(src->mode) && partial_may_hold(run->copy.part, d->has_pdir))
		partial_done(run->copy.part, d->dslot.fd, it->name, false);
	/* DEST holds it now: --remove-source-files. */
	if (a->what == CMP_NONE || a->what == CMP_ATTRS || made_ok)
		srcremove(run, it->from, it->src_name, src,
		    item_rel(d, it, rel));
	/* A first link that needed no copy: its destination entry stands
	 * (or it was just made). */
	if (a->hl && made_ok)
		hl_master_done(run, a->hl, true, made.dev, made.ino);
	else if (a->hl)
		hl_master_done(run, a->hl, dst && (dst->mode & S_IFMT) ==
		    (src->mode & S_IFMT), dst ? dst->dev : 0, dst ? dst->ino : 0);
	add(&run->entries_done, 1);
}
