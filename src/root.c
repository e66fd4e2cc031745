/*
 * root.c -- the root of the transfer: every operand merged into the
 * destination directory.
 */
#define _GNU_SOURCE
#include "run.h"

#include "altdest.h"

#include "meta.h"
#include "nameconv.h"
#include "report.h"
#include "util.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

/*
 * The root merges every operand: the contents of each "dir/" operand are
 * the root's sources (their fds held by the plan), and each other operand
 * is one item of its own.
 */

/* The filter layer of operand S (run.h). */
struct filter_layer *root_operand_layer(struct ts_run *run,
    const struct plan_src *s)
{
	struct filter_layer *l;
	char *abs, *dir;

	if (!run->filters)
		return NULL;
	dir = s->contents ? xstrdup(s->operand) : NULL;
	if (!dir) {
		const char *slash = strrchr(s->operand, '/');

		dir = slash ? xstrndup(s->operand,
		    (size_t)(slash - s->operand) + (slash == s->operand)) :
		    xstrdup(".");
	}
	abs = realpath(dir, NULL);
	free(dir);
	l = filter_layer_root(run->filters, abs ? abs : "/");
	free(abs);
	return l;
}

/* Looks each named operand up in DEST and decides it: nothing is listed
 * (a single file into a big directory reads one name, not thousands). */
static void join_named(struct dnode *root, struct scan_lists *sc)
{
	struct ts_run *run = root->run;
	struct pending later = { NULL, NULL };

	root->later = &later;
	while (!pool_cancelled(&run->pool) && scan_peek(root, sc)) {
		const struct srcitem **merge = NULL;
		struct srcitem *it = &sc->items[0];
		struct ts_entry de;

		if (join_take(root, sc, &merge) == TAKE_SEND) {
			if (walk_stat(root->dslot.fd, it->name, false, &de) == 0) {
				de.name = it->name;
				item_fake_dest(run, root->dslot.fd, it->name,
				    &de);
				item_handle(root, it, &de);
			} else {
				item_handle(root, it, NULL);
			}
		}
		free(merge);
		sc->n = 0;	/* decided */
	}
	scan_submit_list(&run->pool, later.dirs);
	ftask_submit_batches(run, later.files);
	root->later = NULL;
}

/* The operand a root source comes from. */
static size_t root_src_operand(const struct ts_run *run, const struct dsrc *s)
{
	return run->o->files_from && run->nsels ? s->rank / run->nsels :
	    s->rank;
}

/* -L, --copy-unsafe-links, -k: a symlink operand S (item IT) as what it
 * points to.  False when it must be followed and cannot (reported). */
static bool follow_operand(struct ts_run *run, struct plan_src *s,
    struct srcitem *it)
{
	int r;

	if (!S_ISLNK(s->st.mode))
		return true;
	r = scan_follow_link(run, it, &s->st, s->name, NULL);
	if (r < 0) {
		report_errno(run->rep, -r, "cannot stat source", s->operand);
		run_source_failed(run);
		return false;
	}
	return true;
}

/* --iconv: operand S's name as DEST calls it (malloc'ed), or NULL when it
 * has none there (said: an I/O error, the operand left out, as rsync). */
static char *operand_dest_name(struct ts_run *run, const struct plan_src *s)
{
	enum nameconv_step step;
	char *nn = nameconv_to_dest(run->names, s->name, &step);

	if (!nn) {
		report_errno_side(run->rep, TS_SIDE_SRC, errno,
		    "cannot convert filename", s->name);
		run_source_failed(run);
	}
	return nn;
}

void root_scan(struct dnode *root)
{
	struct ts_run *run = root->run;
	struct plan *p = &run->plan;
	struct filter_layer **tops = xcalloc(p->nsrcs + 1, sizeof(*tops));
	struct srcitem *named = xcalloc(p->nsrcs + 1, sizeof(*named));
	struct scan_lists sc;
	struct dirlist dl;
	size_t nn = 0, i, k;
	bool dest_ok = true;

	dirlist_init(&dl);
	for (i = 0; i < p->nsrcs; i++) {
		struct plan_src *s = &p->srcs[i];

		tops[i] = root_operand_layer(run, s);
		if (s->contents) {
			for (k = 0; k < root->nsrcs; k++)
				if (root_src_operand(run, &root->srcs[k]) == i &&
				    tops[i])
					root->srcs[k].parent_layer =
					    filter_layer_ref(tops[i]);
			continue;
		}
		s->st.name = s->name;
		if (run->names && !p->single_name && !s->dest_name &&
		    !(s->dest_name = operand_dest_name(run, s)))
			continue;
		/* Messages name the operand as the user typed it. */
		named[nn] = (struct srcitem){ .ent = &s->st,
			.from = &run->opdirs[i], .sfd = s->fd,
			.src_name = s->name,
			.name = p->single_name ? p->single_name :
			    s->dest_name ? s->dest_name : s->name,
			.disp_name = s->dest_name ? s->dest_name : s->name,
			.src_disp = "",
			.order = (uint64_t)i << 32, .layer = tops[i] };
		if (!follow_operand(run, s, &named[nn]))
			continue;
		item_adjust_source(run, s->fd, s->name, &s->st);
		named[nn].dev_limit = s->st.dev;
		nn++;
	}
	scan_collect(root, named, nn, &sc);

	if (root->dslot.fd >= 0 && p->any_contents)
		dest_ok = scan_read_dest(root, &dl);
	if (p->any_contents && run->o->del && sc.complete &&
	    !scan_peek(root, &sc) && dl.n > 0 && !run->o->allow_empty_source) {
		/* Probably an unmounted source: leave DEST wholly alone. */
		run->refuse_delete = true;
		root->apply_meta = false;
	}
	if (p->any_contents || root->dslot.fd < 0) {
		join_start(root, &sc, &dl,
		    p->any_contents && run->o->del && dest_ok && sc.complete &&
		    (!run->o->files_from || root->nsrcs > 0));
	} else {
		join_named(root, &sc);
		scan_lists_free(&sc);
	}
	for (i = 0; i < p->nsrcs; i++)
		filter_layer_unref(tops[i]);
	free(tops);
	free(named);
}

/* Adds a source to the root: FD (owned unless BORROWED), for DISP. */
static struct dsrc *root_add(struct dnode *root, int fd, bool borrowed,
    const char *disp, const struct plan_src *ps, size_t rank)
{
	struct dsrc *s = &root->srcs[root->nsrcs++];

	dslot_init_fixed(&s->slot, fd);
	s->owned = !borrowed;
	s->name = xstrdup(".");
	s->disp = xstrdup(disp);
	s->dev_limit = ps->st.dev;
	s->rank = rank;
	s->sel = SEL_ALL;
	return s;
}

/*
 * The root's sources: the "dir/" operands, fds borrowed from the plan.
 * With --files-from, each operand is a base, and each "/./" prefix of the
 * list one source below it (with the paths listed under that prefix).
 */
static void root_sources(struct ts_run *run, struct dnode *root)
{
	struct plan *p = &run->plan;
	size_t i, k, per = run->o->files_from ? run->nsels : 1;

	root->srcs = xcalloc(p->nsrcs * per + 1, sizeof(*root->srcs));
	for (i = 0; i < p->nsrcs; i++) {
		const struct plan_src *ps = &p->srcs[i];

		if (!ps->contents)
			continue;
		if (!run->o->files_from) {
			root_add(root, ps->fd, true, ps->operand, ps, i);
			continue;
		}
		for (k = 0; k < run->nsels; k++) {
			const struct sel_list *l = &run->sels[k];
			char *disp = util_path_join(ps->operand, l->prefix);
			struct dsrc *s;
			int fd = ps->fd;

			if (*l->prefix) {
				fd = openat(ps->fd, l->prefix, O_RDONLY |
				    O_DIRECTORY | O_CLOEXEC);
				if (fd < 0) {
					report_errno_side(run->rep, TS_SIDE_SRC,
					    errno, "cannot open directory", disp);
					run_source_failed(run);
					free(disp);
					continue;
				}
			}
			s = root_add(root, fd, !*l->prefix, disp, ps,
			    i * per + k);
			s->list = l;
			s->sel = select_root_sel(run, l);
			free(disp);
		}
	}
}

/* Without -p, the default permissions DEST gets when this run made it:
 * those of the directory it was made in (its default ACL, or the umask). */
static mode_t root_parent_perms(const struct ts_run *run,
    const struct dnode *root)
{
	mode_t perms = 0777 & ~run->umask;
	int pfd;

	if (run->o->perms || !run->plan.dst_new || root->dslot.fd < 0)
		return perms;
	pfd = openat(root->dslot.fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0) {
		perms = xattr_default_perms(pfd, run->umask);
		close(pfd);
	}
	return perms;
}

/* --files-from (and -R): the root source whose list sends "." itself,
 * or NULL. */
static const struct dsrc *root_sender(const struct dnode *root)
{
	size_t k;

	for (k = 0; k < root->nsrcs; k++)
		if (root->srcs[k].list &&
		    select_list_sends_root(root->srcs[k].list))
			return &root->srcs[k];
	return NULL;
}

/* The root as an item of the transfer, from operand I (a "dir/"
 * operand names it): its attributes, its -i line, its metadata plan. */
static void root_item(struct ts_run *run, struct dnode *root,
    const struct dsrc *sends, size_t i)
{
	struct plan *p = &run->plan;
	struct cmp_in in = { .am_root = run->am_root };
	struct cmp_out out;

	if (run->o->files_from && !sends)
		return;
	if (!run->o->recursive) {
		/* "dir/" without -r names the directory "." only. */
		report_info(run->rep, "skipping directory .");
		root->skip_contents = true;
		return;
	}
	root->src = p->srcs[i].st;
	/* A list's "PREFIX/./" sends PREFIX as ".": its attributes. */
	if (sends && sends->list && *sends->list->prefix &&
	    walk_stat(sends->slot.fd, "", false, &root->src) < 0)
		root->src = p->srcs[i].st;
	item_adjust_source(run, p->srcs[i].fd, "", &root->src);
	in.src = &root->src;
	in.dst = root->has_dst && !p->dst_new ? &root->dst : NULL;
	cmp_decide(run->o, &in, &out);
	if (p->dst_new && out.action == CMP_MKDIR)
		out.iflags = altdest_root_iflags(run, &root->src, out.iflags);
	add(&run->files[TY_DIR], 1);
	add(&run->entries_done, 1);
	if (out.action != CMP_MKDIR && out.action != CMP_DIR)
		return;
	root->attrs_differ = (out.iflags & IT_REPORT_ANY) != 0;
	root->create = p->dst_new;
	root->apply_meta = !run->o->dry_run;
	meta_plan(run->o, run->am_root, run->xa_names, &root->src, in.dst,
	    root_parent_perms(run, root), &root->meta);
	scan_inherit(root);
	/* Unchanged too: -ii lists it (".d          ./"), -vv says
	 * "./ is uptodate"; the report decides what each shows. */
	report_item(run->rep, out.iflags, S_IFDIR, ".", NULL, NULL);
	if (p->dst_new)
		add(&run->created[TY_DIR], 1);
}

/* Builds the root node: the destination directory itself. */
struct dnode *root_make(struct ts_run *run)
{
	struct plan *p = &run->plan;
	struct dnode *root = dnode_new(run, NULL);
	const struct dsrc *sends;
	size_t i;

	root->is_root = true;
	root->rel = xstrdup("");
	dslot_init_fixed(&root->dslot, p->dst_fd);
	altdest_node_init(root);
	/* The directories holding entry operands: where their items are. */
	run->opdirs = xcalloc(p->nsrcs + 1, sizeof(*run->opdirs));
	for (i = 0; i < p->nsrcs; i++) {
		dslot_init_fixed(&run->opdirs[i].slot, p->srcs[i].fd);
		run->opdirs[i].disp = xstrdup("");
	}
	if (root->dslot.fd >= 0 && walk_stat(root->dslot.fd, "", false, &root->dst) == 0) {
		root->has_dst = true;
		item_fake_dest(run, root->dslot.fd, "", &root->dst);
	}
	root_sources(run, root);
	sends = root_sender(root);
	dnode_make_writable(root);
	scan_inherit(root);
	/* The root is an item of the transfer when a "dir/" operand names
	 * it: its attributes come from the first such operand. */
	for (i = 0; i < p->nsrcs; i++)
		if (p->srcs[i].contents) {
			root_item(run, root, sends, i);
			break;
		}
	if (root->skip_contents) {
		/* Not listed: their entries are not part of the transfer. */
		for (i = 0; i < root->nsrcs; i++) {
			free(root->srcs[i].name);
			free(root->srcs[i].disp);
		}
		root->nsrcs = 0;
	}
	return root;
}
