/*
 * filter_layer.c -- per-directory layers: what the rules are in one
 * directory, with its dir-merge files read.
 *
 * Owns struct filter_layer and struct push: entering a directory
 * (filter_layer_push) reads each active slot's file there through the
 * engine's filter_reader, puts its rules in front of the inherited chain
 * (or alone, with 'n' or after a '!'), adds the slots that dir-merge
 * rules inside those files define, and on the first push below a rule
 * with a directory part ("/.rsync-filter", -F) scans the parent
 * directories from there down.  Also the absolute-path arithmetic that
 * says where a directory is and how a rule anchored there sees a path.
 * Must not open files itself (the reader does) nor modify a layer after
 * it is made: many threads push from the same parent at once.
 */
#define _GNU_SOURCE
#include "filter_int.h"

#include <errno.h>

/* ---------------------------------------------------------------------
 * Absolute paths.
 */

/*
 * Lexically cleans an absolute path: no ".", no empty components, ".."
 * removes the previous component (not past "/").  Returns a malloc'ed
 * string ("/" for the root).
 */
static char *clean_abs(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *p = path;

	while (*p != '\0') {
		const char *c;
		size_t cl;

		while (*p == '/')
			p++;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		cl = (size_t)(p - c);
		if (cl == 0 || (cl == 1 && c[0] == '.'))
			continue;
		if (cl == 2 && c[0] == '.' && c[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, c, cl);
		o += cl;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* clean_abs(BASE "/" REL), or clean_abs(REL) when REL is absolute. */
char *layer_join_abs(const char *base, const char *rel, size_t rlen)
{
	char *t, *r;

	if (rlen > 0 && rel[0] == '/')
		t = xstrndup(rel, rlen);
	else
		t = xasprintf("%s/%.*s", base, (int)rlen, rel);
	r = clean_abs(t);
	free(t);
	return r;
}

/* True when absolute cleaned path A is B or a directory above it. */
static bool is_ancestor_or_self(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* ---------------------------------------------------------------------
 * Layers.
 */

struct filter_layer *filter_layer_root(const struct filter_list *fl,
    const char *root_abs)
{
	struct filter_layer *l;
	struct froot *root;
	size_t i, n = 0;

	for (i = 0; i < fl->rules.n; i++)
		n += (fl->rules.v[i].flags & R_PERDIR) != 0;
	l = xcalloc(1, sizeof(*l) + n * sizeof(l->s[0]));
	atomic_init(&l->refs, 1);
	l->fl = fl;
	root = xcalloc(1, sizeof(*root));
	atomic_init(&root->refs, 1);
	root->abs = clean_abs(root_abs != NULL ? root_abs : "/");
	l->root = root;
	for (i = 0; i < fl->rules.n; i++) {
		if (fl->rules.v[i].flags & R_PERDIR)
			l->s[l->n++].def = slot_ref(fl->rules.v[i].slot);
	}
	return l;
}

struct filter_layer *filter_layer_ref(const struct filter_layer *cl)
{
	/* The count is the one mutable field of a shared layer. */
	struct filter_layer *l = (struct filter_layer *)(uintptr_t)cl;

	atomic_fetch_add(&l->refs, 1);
	return l;
}

static void slots_release(struct lslot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		slot_unref(s[i].def);
		chain_unref(s[i].chain);
	}
}

void filter_layer_unref(struct filter_layer *l)
{
	if (l == NULL || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	slots_release(l->s, l->n);
	froot_unref(l->root);
	free(l);
}

size_t filter_layer_merge_names(const struct filter_layer *l,
    const char **names, size_t max)
{
	size_t i;

	for (i = 0; i < l->n && i < max; i++)
		names[i] = l->s[i].def->name;
	return l->n;
}

/* How rules anchored in directory P_ABS see paths below the root. */
static void set_anchor(struct chain *c, const char *root, const char *p_abs)
{
	size_t rl = strlen(root), pl = strlen(p_abs);

	if (strcmp(root, p_abs) == 0)
		return;
	if (is_ancestor_or_self(p_abs, root))
		c->prepend = xstrdup(root + (pl == 1 ? 1 : pl + 1));
	else if (is_ancestor_or_self(root, p_abs))
		c->strip = xstrdup(p_abs + (rl == 1 ? 1 : rl + 1));
	else
		c->unrelated = true;
}

/*
 * Reads one merge file of slot I in directory P_ABS (IN_DIR: the
 * directory being entered, whose relative path is ps->dir) and puts its
 * rules in front of the slot's chain.
 */
static int read_slot_file(struct push *ps, size_t i, const char *p_abs,
    bool in_dir, char **err)
{
	struct slotdef *d = ps->s[i].def;
	struct chain *c;
	struct pctx pc = { 0 };
	char *path, *origin, *data = NULL;
	size_t len = 0;
	bool cleared = false;
	int rc;

	if (in_dir) {
		path = xstrdup(d->name);
		origin = *ps->dir != '\0' ?
		    xasprintf("%s/%s", ps->dir, d->name) : xstrdup(d->name);
	} else {
		path = xasprintf("%s%s%s", p_abs, strcmp(p_abs, "/") ? "/" : "",
		    d->name);
		origin = xstrdup(path);
	}
	rc = ps->rd->read(ps->rd->arg, path, in_dir, &data, &len);
	free(path);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		free(origin);
		return 0;
	}
	if (rc < 0) {
		set_err(err, xasprintf("cannot read merge file '%s': %s",
		    origin, merge_strerror(rc)));
		free(origin);
		return rc;
	}
	c = xcalloc(1, sizeof(*c));
	atomic_init(&c->refs, 1);
	pc.fl = ps->fl;
	pc.rs = &c->rs;
	pc.ps = ps;
	pc.cleared = &cleared;
	pc.xf = X_DIR_ANCHOR;
	pc.scan_abs = in_dir ? NULL : p_abs;
	pc.origin = origin;
	pc.err = err;
	pc.from = FROM_DIRFILE;
	rc = parse_buf(&pc, data, len, d->flags, ps->fl->from0);
	free(data);
	free(origin);
	if (rc < 0) {
		rules_drop_slots(ps, &c->rs);
		chain_unref(c);
		return rc;
	}
	/* Slots may have moved: rules read above can add or drop some,
	 * never slot I itself or one before it. */
	if (c->rs.n == 0) {
		chain_unref(c);
		if (cleared) {
			chain_unref(ps->s[i].chain);
			ps->s[i].chain = NULL;
		}
		return 0;
	}
	set_anchor(c, ps->root->abs, p_abs);
	c->next = cleared ? NULL : ps->s[i].chain;
	if (cleared)
		chain_unref(ps->s[i].chain);
	ps->s[i].chain = c;
	return 0;
}

/*
 * rsync's setup on the first directory entered below a dir-merge rule:
 * when the rule's name has a directory part that is D or above it,
 * every directory from there down to D's parent is read for the file,
 * each one's rules in front of the ones above (or thrown away after
 * reading with 'n').
 */
static int setup_slot(struct push *ps, size_t i, char **err)
{
	const char *spec = ps->s[i].def->spec;
	char *x, *p, *cut;
	int rc = 0;

	ps->s[i].ready = true;
	if (strchr(spec, '/') == NULL)
		return 0;
	x = layer_join_abs(ps->d_abs, spec, strlen(spec));
	cut = strrchr(x, '/');
	if (cut == x)
		cut[1] = '\0';
	else
		*cut = '\0';
	if (!is_ancestor_or_self(x, ps->d_abs) || strcmp(x, ps->d_abs) == 0) {
		free(x);
		return 0;
	}
	/* Directories from x down to (not including) d_abs. */
	p = xstrdup(x);
	for (;;) {
		size_t pl = strlen(p);
		const char *rest;
		char *next;

		rc = read_slot_file(ps, i, p, false, err);
		if (rc < 0)
			break;
		if (ps->s[i].def->flags & R_NO_INHERIT) {
			if (ps->s[i].chain != NULL)
				rules_drop_slots(ps, &ps->s[i].chain->rs);
			chain_unref(ps->s[i].chain);
			ps->s[i].chain = NULL;
		}
		rest = ps->d_abs + (pl == 1 ? 1 : pl + 1);
		pl = strcspn(rest, "/");
		if (rest[pl] == '\0')
			break;	/* the next one is d_abs itself */
		next = xasprintf("%s%s%.*s", p, strcmp(p, "/") ? "/" : "",
		    (int)pl, rest);
		free(p);
		p = next;
	}
	free(p);
	free(x);
	return rc;
}

/* A push starts from the parent's slots: inherited chains, or none. */
static void push_init(struct push *ps, const struct filter_layer *parent,
    const char *dir, const struct filter_reader *rd)
{
	size_t i;

	ps->fl = parent->fl;
	ps->rd = rd;
	ps->root = parent->root;
	ps->dir = dir;
	ps->d_abs = layer_join_abs(parent->root->abs, dir, strlen(dir));
	ps->cap = parent->n + 4;
	ps->s = xcalloc(ps->cap, sizeof(*ps->s));
	for (i = 0; i < parent->n; i++) {
		const struct lslot *s = &parent->s[i];

		ps->s[i].def = slot_ref(s->def);
		ps->s[i].ready = s->ready;
		if (!(s->def->flags & R_NO_INHERIT))
			ps->s[i].chain = chain_ref(s->chain);
	}
	ps->n = parent->n;
}

static void push_release(struct push *ps)
{
	slots_release(ps->s, ps->n);
	free(ps->s);
	free(ps->d_abs);
}

/* The finished push as a layer: the parent again if nothing changed. */
static struct filter_layer *push_finish(struct push *ps,
    const struct filter_layer *parent)
{
	struct filter_layer *l;
	bool same = ps->n == parent->n;
	size_t i;

	for (i = 0; same && i < ps->n; i++) {
		same = ps->s[i].def == parent->s[i].def &&
		    ps->s[i].chain == parent->s[i].chain &&
		    ps->s[i].ready == parent->s[i].ready;
	}
	if (same) {
		push_release(ps);
		return filter_layer_ref(parent);
	}
	l = xmalloc(sizeof(*l) + ps->n * sizeof(l->s[0]));
	atomic_init(&l->refs, 1);
	l->fl = parent->fl;
	l->root = parent->root;
	atomic_fetch_add(&l->root->refs, 1);
	l->n = ps->n;
	memcpy(l->s, ps->s, ps->n * sizeof(l->s[0]));
	free(ps->s);	/* the references moved to the layer */
	free(ps->d_abs);
	return l;
}

int filter_layer_push(const struct filter_layer *parent, const char *dir,
    const struct filter_reader *rd, struct filter_layer **out, char **err)
{
	struct push ps = { 0 };
	size_t i;
	int rc = 0;

	*out = NULL;
	if (parent->n == 0) {
		*out = filter_layer_ref(parent);
		return 0;
	}
	if (dir[0] == '.' && dir[1] == '\0')
		dir = "";
	push_init(&ps, parent, dir, rd);
	/* New slots that the files read here define are appended, and
	 * are read in this directory too, as rsync does. */
	for (i = 0; i < ps.n && rc == 0; i++) {
		if (!ps.s[i].ready)
			rc = setup_slot(&ps, i, err);
		if (rc == 0 && i < ps.n)
			rc = read_slot_file(&ps, i, ps.d_abs, true, err);
	}
	if (rc < 0) {
		push_release(&ps);
		return rc;
	}
	*out = push_finish(&ps, parent);
	return 0;
}
