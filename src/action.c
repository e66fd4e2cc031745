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

#include "report.h"

#include <sys/stat.h>

void action_run(struct dnode *d, const struct action *a, char **rel)
{
	struct ts_run *run = d->run;
	const struct srcitem *it = a->it;
	const struct ts_entry *src = it->ent, *dst = a->dst;
	struct ts_entry made;
	bool made_ok = false;

	if (a->checksum) {
		/* Undecided until the contents are compared: a file task
		 * does both, and tells the -H group itself. */
		ftask_submit(d, it, dst, NULL, true, a->hl, d->later);
		return;
	}
	switch (a->what) {
	case CMP_NONE:
	case CMP_SKIP:
		break;
	case CMP_SKIP_TYPE:
		report_note(run->rep, "skipping non-regular file \"%s\"",
		    item_rel(d, it, rel));
		break;
	case CMP_SKIP_DIR:
		report_note(run->rep, "skipping directory %s",
		    item_rel(d, it, rel));
		break;
	case CMP_ATTRS:
		item_apply_attrs(d, it->name, item_rel(d, it, rel), src, dst,
		    a->xattrs);
		report_item(run->rep, a->iflags, src->mode,
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
		item_submit_dir(d, it, dst, a->what, a->iflags,
		    item_rel(d, it, rel));
		break;
	case CMP_SYMLINK:
	case CMP_MKNOD:
		made_ok = item_make(d, it, dst, a->iflags, a->target,
		    item_rel(d, it, rel), &made);
		break;
	}
	/* A first link that needed no copy: its destination entry stands
	 * (or it was just made). */
	if (a->hl && made_ok)
		hl_master_done(run, a->hl, true, made.dev, made.ino);
	else if (a->hl)
		hl_master_done(run, a->hl, dst && (dst->mode & S_IFMT) ==
		    (src->mode & S_IFMT), dst ? dst->dev : 0, dst ? dst->ino : 0);
	add(&run->entries_done, 1);
}
