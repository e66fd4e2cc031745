/*
 * fuzz_filter.c -- libFuzzer target for the filter-rule parser and
 * matcher (src/filter*.c, src/wildmatch.c).
 *
 * Input: lines.  Until a line "%%": rules; the first character of each
 * picks how it is added ('-': FILTER_EXCLUDE, '+': FILTER_INCLUDE,
 * anything else: FILTER_RULE with the line as is).  Between the first and
 * a second "%%": the content of every per-directory merge file (what the
 * reader returns for any name asked).  After it: paths to check, each
 * with every flag combination, and pairs "PATTERN\tTEXT" for
 * filter_wildmatch().  Rules naming device/proc files are skipped (a
 * merge rule would read them); stdin is /dev/null.  The parser must not
 * crash or leak; filter_check() must return -1, 0 or 1.
 */
#include "filter.h"
#include "common.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *merge_data;
static size_t merge_len;
static int reads;

static int mem_read(void *arg, const char *path, bool in_dir, char **data,
    size_t *len)
{
	(void)arg;
	(void)path;
	(void)in_dir;
	if (!merge_data || ++reads > 16)
		return -ENOENT;
	*data = malloc(merge_len + 1);
	memcpy(*data, merge_data, merge_len);
	(*data)[merge_len] = '\0';
	*len = merge_len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p, *line, *save = NULL;
	struct filter_list *fl;
	struct filter_layer *top, *here = NULL, *sub = NULL;
	struct filter_reader rd = { mem_read, NULL };
	int section = 0, nrules = 0;
	char *err = NULL;
	char *checks = NULL;

	fuzz_sandbox();
	memcpy(text, data, size);
	text[size] = '\0';
	merge_data = NULL;
	merge_len = 0;
	reads = 0;
	fl = filter_list_new();

	/* Find the sections first (strtok_r will cut the text). */
	p = strstr(text, "\n%%\n");
	if (p) {
		char *q = strstr(p + 4, "\n%%\n");

		*p = '\0';
		merge_data = p + 4;
		if (q) {
			*q = '\0';
			checks = q + 4;
		}
		merge_len = strlen(merge_data);
		if (fuzz_dangerous_path(merge_data))
			merge_data = NULL;
	}
	for (line = strtok_r(text, "\n", &save); line && nrules < 64;
	    line = strtok_r(NULL, "\n", &save), nrules++) {
		enum filter_kind k = FILTER_RULE;

		if (fuzz_dangerous_path(line))
			continue;
		if (line[0] == '-' && line[1] == '-') {
			k = FILTER_EXCLUDE;
			line += 2;
		} else if (line[0] == '+' && line[1] == '+') {
			k = FILTER_INCLUDE;
			line += 2;
		}
		if (strcmp(line, "-F") == 0) {
			filter_add_F(fl);
			continue;
		}
		if (filter_add(fl, line, k, "fuzz", &err) < 0) {
			free(err);
			err = NULL;
		}
	}
	filter_list_empty(fl);
	filter_has_xattr_rules(fl);

	top = filter_layer_root(fl, "/nonexistent-fuzz-root");
	if (filter_layer_push(top, "", &rd, &here, &err) < 0) {
		free(err);
		err = NULL;
		here = filter_layer_ref(top);
	}
	if (filter_layer_push(here, "sub", &rd, &sub, &err) < 0) {
		free(err);
		err = NULL;
		sub = filter_layer_ref(here);
	}
	{
		const char *names[8];

		filter_layer_merge_names(sub, names, 8);
	}
	if (checks) {
		save = NULL;
		for (line = strtok_r(checks, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save)) {
			char *tab = strchr(line, '\t');
			unsigned f;

			if (tab) {
				*tab = '\0';
				filter_wildmatch(line, tab + 1);
				continue;
			}
			for (f = 0; f < 32; f++) {
				struct filter_match m;
				int r = filter_check(sub, line, f, &m);

				if (r < -1 || r > 1)
					abort();
				if (filter_excluded(here, line, f) !=
				    (filter_check(here, line, f, NULL) < 0))
					abort();
			}
		}
	} else {
		filter_check(sub, "a/b.o", 0, NULL);
		filter_check(sub, "sub/x", FILTER_DIR, NULL);
	}
	filter_layer_unref(sub);
	filter_layer_unref(here);
	filter_layer_unref(top);
	filter_list_free(fl);
	free(text);
	return 0;
}
