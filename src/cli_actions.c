/*
 * cli_actions.c -- what each option does: the functions the ACTION column
 * of options.def names (CALL(fn)) and cli_apply(), the switch made from
 * the table's SET, INC, CTX and CALL actions.
 *
 * An action writes struct ts_options or the parse's struct parse_ctx
 * (cli_int.h), and says a bad argument with usage_error() (exit 1,
 * nothing touched).  No file-scope state.
 */
#include "cli_int.h"

#include "chmod.h"
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool opt_archive(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct ts_options *o = p->o;

	(void)id;
	(void)arg;
	o->recursive = o->links = o->perms = o->times = true;
	o->group = o->owner = o->devices = o->specials = true;
	return true;
}

static bool opt_progress(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	if (id == CLI_OPT_P) {
		if (!p->progress)
			p->progress = 1;
		return true;
	}
	if (arg && strcmp(arg, "always") != 0) {
		usage_error("invalid --progress value '%s' (always)", arg);
		return false;
	}
	p->progress = arg ? 2 : 1;
	return true;
}

/* --info=FLAGS, --debug=FLAGS: rsync's words; "help" ends the parse with
 * the help text (rsync prints it at once, whatever follows). */
static bool opt_info(struct parse_ctx *p, enum cli_opt_id id, const char *arg)
{
	bool debug = id == CLI_OPT_DEBUG;
	char err[160];

	switch (cli_out_words(&p->out, debug, arg, CLI_PRIO_USER, err,
	    sizeof(err))) {
	case 1:
		p->done = debug ? CLI_DEBUG_HELP : CLI_INFO_HELP;
		return true;
	case 0:
		return true;
	default:
		usage_error("%s", err);
		return false;
	}
}

/* --stderr=errors|all|client (any prefix), --msgs2stderr and its --no
 * form: where informational lines go.  "client" differs from "errors"
 * only for a remote side's messages: locally they are the same. */
static bool opt_stderr(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	size_t n = arg ? strlen(arg) : 0;

	if (id != CLI_OPT_STDERR) {
		p->o->msgs2stderr = id == CLI_OPT_MSGS2STDERR;
		return true;
	}
	if (n && (strncmp("errors", arg, n) == 0 ||
	    strncmp("client", arg, n) == 0)) {
		p->o->msgs2stderr = false;
	} else if (n && strncmp("all", arg, n) == 0) {
		p->o->msgs2stderr = true;
	} else {
		usage_error("--stderr mode \"%s\" is not one of errors, all, or "
		    "client", arg);
		return false;
	}
	return true;
}

/* --outbuf=None|Line|Block (the first letter counts, as in rsync). */
static bool opt_outbuf(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	switch (toupper((unsigned char)*arg)) {
	case 'N':
	case 'U':
		p->o->outbuf = 'N';
		return true;
	case 'L':
		p->o->outbuf = 'L';
		return true;
	case 'B':
	case 'F':
		p->o->outbuf = 'B';
		return true;
	default:
		usage_error("%s", "Invalid --outbuf setting -- specify N, L, or B.");
		return false;
	}
}

/* --stop-after=MINS (and its old name --time-limit), --stop-at=TIME: the
 * last one given sets the moment, as in rsync. */
static bool opt_stop(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	time_t now = time(NULL), t;

	if (id == CLI_OPT_STOP_AFTER) {
		/* rsync: atol(), so "5x" is 5 minutes and "x" is invalid. */
		long mins = atol(arg);

		if (mins <= 0 || mins > (LONG_MAX - (long)now) / 60) {
			usage_error("invalid --stop-after value: %s", arg);
			return false;
		}
		p->o->stop_at = now + (time_t)mins * 60;
		return true;
	}
	t = cli_parse_stop_at(arg, now);
	if (t == (time_t)-1) {
		usage_error("invalid --stop-at format: %s", arg);
		return false;
	}
	if (t <= now) {
		usage_error("--stop-at time is not in the future: %s", arg);
		return false;
	}
	p->o->stop_at = t;
	return true;
}

/* --max-alloc: checked as rsync checks it; treesync allocates per entry
 * and per directory, never a block anywhere near rsync's minimum limit
 * (1 MiB), so the value itself changes nothing. */
/* --write-batch, --only-write-batch, --read-batch=FILE (batch.c); the
 * parse loop notes which argv words the write option took.  rsync's
 * refusal of write and read together is made once every option is read. */
static bool opt_batch(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	if (!*arg) {
		usage_error("empty batch file name for --%s",
		    cli_row_of(id)->lname);
		return false;
	}
	if (id == CLI_OPT_READ_BATCH) {
		p->c->read_batch = arg;
		return true;
	}
	p->c->batch = id == CLI_OPT_WRITE_BATCH ? CLI_BATCH_WRITE :
	    CLI_BATCH_ONLY_WRITE;
	p->c->batch_file = arg;
	p->batch_seen = true;
	return true;
}

static bool opt_max_alloc(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	char err[160];
	long long v;

	(void)p;
	(void)id;
	v = cli_parse_size_arg(arg, 'B', "max-alloc", 1024 * 1024, err,
	    sizeof(err));
	if (v < 0) {
		usage_error("%s", err);
		return false;
	}
	if (v == 0) {
		usage_error("%s", "max-alloc must be greater than zero");
		return false;
	}
	return true;
}

/* -B/--block-size: checked as rsync checks it (a size, at most rsync's
 * largest block, 128 KiB, also by a fraction); there is no delta
 * transfer, so the value changes nothing. */
#define RSYNC_MAX_BLOCK (128 * 1024)

static bool opt_block_size(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	char err[160];
	long long v;

	(void)p;
	(void)id;
	v = cli_parse_size_max(arg, 'b', "block-size", 0, RSYNC_MAX_BLOCK, err,
	    sizeof(err));
	if (v < 0) {
		usage_error("%s", err);
		return false;
	}
	return true;
}

/* --bwlimit=RATE: rsync's units (KiB a second unless a suffix says
 * otherwise, at least 512 bytes, 0 for none), rounded to whole KiB as
 * rsync rounds them. */
static bool opt_bwlimit(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	char err[160];
	long long v;

	(void)id;
	v = cli_parse_size_arg(arg, 'K', "bwlimit", 512, err, sizeof(err));
	if (v < 0) {
		usage_error("%s", err);
		return false;
	}
	p->o->bwlimit = (uint64_t)(v + 512) / 1024 * 1024;
	return true;
}

/* rsync's names for one part of --checksum-choice or --compress-choice. */
static const char *const rsync_checksums[] = {
	"auto", "xxh128", "xxh3", "xxh64", "xxhash", "md5", "md4", "sha1",
	"none", NULL,
};
static const char *const rsync_compressors[] = {
	"auto", "zstd", "lz4", "zlibx", "zlib", "none", NULL,
};

static bool in_list(const char *const *list, const char *name, size_t len)
{
	for (; *list; list++) {
		if (strlen(*list) == len && strncasecmp(*list, name, len) == 0)
			return true;
	}
	return false;
}

/*
 * --checksum-choice=NAME[,NAME] (--cc), --compress-choice=NAME (--zc).
 * Compression: any of rsync's names, then nothing (there is no stream).
 * Checksums: treesync compares contents with XXH3-128, rsync's "xxh128";
 * asking for another algorithm is refused rather than quietly answered
 * with a different one (%C prints the checksum).  An unknown name is
 * rsync's exit 4.
 */
static bool opt_choice(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	bool sums = id == CLI_OPT_CHECKSUM_CHOICE;
	const char *s = arg, *comma;

	for (;;) {
		size_t len;

		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (!in_list(sums ? rsync_checksums : rsync_compressors, s,
		    len)) {
			usage_error("unknown %s name: %.*s", sums ? "checksum" :
			    "compress", (int)len, s);
			p->c->code = 4;
			return false;
		}
		if (sums && !(len == 4 && strncasecmp(s, "auto", 4) == 0) &&
		    !(len == 6 && strncasecmp(s, "xxh128", 6) == 0)) {
			usage_error("--checksum-choice=%s: treesync compares "
			    "contents with xxh128 (XXH3-128) only", arg);
			p->c->code = 4;
			return false;
		}
		if (!comma || !sums)
			break;
		s = comma + 1;
	}
	return true;
}

/* --copy-as: kept for cli_main(), which checks and becomes it (the
 * identity is the process's, not the run's). */
static bool opt_copy_as(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	p->c->copy_as = arg;
	return true;
}

/*
 * -M OPT, --remote-option=OPT: rsync hands OPT to the receiving side, which
 * in a local copy is the same machine (rsync -M--fake-super changes what a
 * local copy makes): here it is this process, so OPT is taken as an
 * option of its own, one word ("-M--log-file=x", not "-M --log-file x").
 */
static bool opt_remote(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct cli *c = p->c;
	char *word[2];
	int i = 0;
	bool ok;

	(void)id;
	if (arg[0] != '-' || !arg[1] || strcmp(arg, "--") == 0) {
		usage_error("--remote-option=%s: not an option", arg);
		return false;
	}
	/* A copy of its own: the options keep pointers into it. */
	c->words = xrealloc(c->words, (c->nwords + 1) * sizeof(*c->words));
	word[0] = c->words[c->nwords++] = xstrdup(arg);
	word[1] = NULL;
	p->remote = true;
	ok = arg[1] == '-' ? cli_parse_long(p, 1, word, &i) :
	    cli_parse_shorts(p, 1, word, &i);
	p->remote = false;
	return ok;
}

/* -N: rsync 3.5.0 on Linux refuses it, with exit 1. */
static bool opt_crtimes(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)p;
	(void)id;
	(void)arg;
	usage_error("This treesync does not support --crtimes (-N)");
	return false;
}

/* --super, --no-super, --fake-super: the receiving side's privileges;
 * the sending side reads user.rsync.%stat only with a --fake-super of its
 * own (not one given with -M). */
static bool opt_super(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)arg;
	p->o->super = id == CLI_OPT_SUPER ? TS_SUPER_ON :
	    id == CLI_OPT_NO_SUPER ? TS_SUPER_OFF : TS_SUPER_FAKE;
	if (!p->remote)
		p->o->fake_super_src = id == CLI_OPT_FAKE_SUPER;
	return true;
}

static bool opt_version(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	(void)arg;
	p->version++;
	return true;
}

static bool opt_no_contimeout(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	(void)arg;
	p->contimeout = 0;
	return true;
}

static bool opt_int(struct parse_ctx *p, enum cli_opt_id id, const char *arg)
{
	switch (id) {
	case CLI_OPT_MODIFY_WINDOW:
		if (cli_parse_int(arg, INT_MIN, INT_MAX, &p->o->modify_window))
			return true;
		usage_error("invalid --modify-window value '%s'", arg);
		return false;
	case CLI_OPT_JOBS:
		if (cli_parse_int(arg, 1, 1024, &p->o->jobs))
			return true;
		usage_error("invalid --jobs value '%s' (1..1024)", arg);
		return false;
	case CLI_OPT_LOCK_WAIT:
		if (cli_parse_int(arg, 0, 86400 * 7, &p->o->lock_wait))
			return true;
		usage_error("invalid --lock-wait value '%s'", arg);
		return false;
	case CLI_OPT_TIMEOUT:
		if (cli_parse_int(arg, 0, INT_MAX, &p->o->timeout))
			return true;
		usage_error("invalid --timeout value '%s'", arg);
		return false;
	case CLI_OPT_CONTIMEOUT:
		/* A daemon connection's: checked once every option is read
		 * (finish()), as rsync checks it. */
		return cli_parse_int(arg, INT_MIN, INT_MAX, &p->contimeout) ||
		    (usage_error("invalid --contimeout value '%s'", arg), false);
	case CLI_OPT_CHECKSUM_SEED:
	case CLI_OPT_COMPRESS_LEVEL:
	case CLI_OPT_COMPRESS_THREADS:
		/* Numbers rsync hands to its checksums and compressors:
		 * checked, and without effect here. */
		if (cli_parse_int(arg, INT_MIN, INT_MAX, &(int){ 0 }))
			return true;
		usage_error("invalid --%s value '%s'", id ==
		    CLI_OPT_CHECKSUM_SEED ? "checksum-seed" : id ==
		    CLI_OPT_COMPRESS_LEVEL ? "compress-level" :
		    "compress-threads", arg);
		return false;
	case CLI_OPT_PROTOCOL: {
		int v;

		if (!cli_parse_int(arg, INT_MIN, INT_MAX, &v)) {
			usage_error("invalid --protocol value '%s'", arg);
			return false;
		}
		/* rsync 3.5 speaks protocols 20 to 32 and exits 2 for any
		 * other; a local copy has no protocol to choose. */
		if (v < 20 || v > 32) {
			usage_error("protocol version mismatch: --protocol=%d "
			    "(rsync's versions are 20 to 32)", v);
			p->c->code = 2;
			return false;
		}
		return true;
	}
	default:
		return false;
	}
}

static bool opt_from0(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)arg;
	p->o->from0 = id == CLI_OPT_FROM0;
	return true;
}

static bool opt_insecure_links(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)arg;
	p->o->insecure_links = id == CLI_OPT_INSECURE_LINKS;
	return true;
}

/* One filter option, in command-line order (the order is the meaning);
 * the run reads the files and parses the rules (it reports their errors,
 * with rsync's exit codes). */
static bool opt_filter(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct ts_options *o = p->o;
	struct ts_filter *f;

	p->c->filters = xrealloc(p->c->filters,
	    (o->nfilters + 1) * sizeof(*p->c->filters));
	f = &p->c->filters[o->nfilters++];
	f->arg = arg;
	f->from0 = o->from0;	/* -0 applies to the files after it */
	switch (id) {
	case CLI_OPT_FILTER: f->kind = TS_FILTER_RULE; break;
	case CLI_OPT_EXCLUDE: f->kind = TS_FILTER_EXCLUDE; break;
	case CLI_OPT_INCLUDE: f->kind = TS_FILTER_INCLUDE; break;
	case CLI_OPT_EXCLUDE_FROM: f->kind = TS_FILTER_EXCLUDE_FROM; break;
	case CLI_OPT_INCLUDE_FROM: f->kind = TS_FILTER_INCLUDE_FROM; break;
	default: f->kind = TS_FILTER_F; f->arg = NULL; break;
	}
	o->filters = p->c->filters;
	return true;
}

/* --link-dest, --compare-dest, --copy-dest: up to 20 directories of one
 * kind (rsync's checks and messages). */
static bool opt_alt_dest(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	static const char *const names[] = { [TS_ALT_COMPARE] = "compare-dest",
		[TS_ALT_COPY] = "copy-dest", [TS_ALT_LINK] = "link-dest" };
	struct ts_options *o = p->o;
	enum ts_alt_dest kind = id == CLI_OPT_LINK_DEST ? TS_ALT_LINK :
	    id == CLI_OPT_COPY_DEST ? TS_ALT_COPY : TS_ALT_COMPARE;

	if (o->alt_dest != TS_ALT_NONE && o->alt_dest != kind) {
		usage_error("ERROR: the --%s option conflicts with the --%s "
		    "option", names[kind], names[o->alt_dest]);
		return false;
	}
	if (o->nalt_dirs >= TS_MAX_ALT_DEST) {
		usage_error("ERROR: at most %d %s args may be specified",
		    TS_MAX_ALT_DEST, kind == TS_ALT_LINK ? "--link-dest" :
		    kind == TS_ALT_COPY ? "--copy-dest" : "--compare-dest");
		return false;
	}
	o->alt_dest = kind;
	p->c->alt_dirs[o->nalt_dirs++] = arg;
	o->alt_dirs = p->c->alt_dirs;
	return true;
}

/* --chmod: checked here (a usage error), applied by the run. */
static bool opt_chmod(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	struct chmod_rule *rules = NULL;
	char err[160];
	int r;

	(void)id;
	r = chmod_parse(&rules, arg, err, sizeof(err));
	chmod_free(rules);
	if (r < 0) {
		usage_error("%s", err);
		return false;
	}
	p->c->chmods = xrealloc(p->c->chmods,
	    (p->o->nchmod + 1) * sizeof(*p->c->chmods));
	p->c->chmods[p->o->nchmod++] = arg;
	p->o->chmod = p->c->chmods;
	return true;
}

static bool opt_chown(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	char err[320];

	(void)id;
	if (cli_parse_chown(arg, p->o, err, sizeof(err)))
		return true;
	usage_error("%s", err);
	return false;
}

/* --usermap, --groupmap: checked here, parsed for the run by select.c. */
static bool opt_idmap(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	char err[320];

	if (cli_parse_idmap(arg, id == CLI_OPT_USERMAP, p->o, err,
	    sizeof(err)))
		return true;
	usage_error("%s", err);
	return false;
}

static bool opt_size(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	uint64_t v;

	if (!cli_parse_size(arg, &v)) {
		usage_error("invalid size '%s' for --%s", arg,
		    id == CLI_OPT_MIN_SIZE ? "min-size" : "max-size");
		return false;
	}
	if (id == CLI_OPT_MIN_SIZE)
		p->o->min_size = v;
	else
		p->o->max_size = v ? v : UINT64_MAX;	/* 0: no limit */
	return true;
}

static bool opt_max_delete(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	if (!cli_parse_max_delete(arg, p->o)) {
		usage_error("invalid --max-delete value '%s' (NUM or NUM%%)",
		    arg);
		return false;
	}
	return true;
}

static bool opt_copy_method(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	if (!cli_parse_copy_method(arg, &p->o->copy_method)) {
		usage_error("invalid --copy-method '%s' (auto, copy_file_range, "
		    "sendfile, readwrite)", arg);
		return false;
	}
	return true;
}

static bool opt_reflink(struct parse_ctx *p, enum cli_opt_id id,
    const char *arg)
{
	(void)id;
	if (strcmp(arg, "auto") == 0)
		p->o->reflink = TS_REFLINK_AUTO;
	else if (strcmp(arg, "always") == 0)
		p->o->reflink = TS_REFLINK_ALWAYS;
	else if (strcmp(arg, "never") == 0)
		p->o->reflink = TS_REFLINK_NEVER;
	else {
		usage_error("invalid --reflink '%s' (auto, always, never)", arg);
		return false;
	}
	return true;
}

/* The ACTION column of options.def, for ID (cli_int.h). */
bool cli_apply(struct parse_ctx *p, enum cli_opt_id id, const char *arg)
{
	struct ts_options *o = p->o;

	switch (id) {
#define SET(field, value)	o->field = (value);
#define INC(field)		o->field++;
#define CTX(field, value)	p->field = (value);
#define CALL(fn)		return fn(p, id, arg);
#define OPT(id, s, l, a, an, h, act) case CLI_OPT_##id: act break;
#define ALIAS(id, l)
#include "options.def"
#undef OPT
#undef ALIAS
#undef SET
#undef INC
#undef CTX
#undef CALL
	case CLI_OPT_COUNT:
		break;
	}
	return true;
}
