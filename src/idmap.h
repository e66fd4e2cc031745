/*
 * idmap.h -- rsync's --usermap and --groupmap: source ids to the ids
 * DEST gets, by name (wildcards too), by number, or by numeric range.
 *
 *	struct idmap *m;
 *	char err[160];
 *
 *	if (idmap_parse("0-99:nobody,*:backup", true, &m, err, sizeof(err),
 *	    NULL, NULL) < 0)
 *		fprintf(stderr, "%s\n", err);
 *	uid = idmap_map(m, st.st_uid, false);
 *	idmap_free(m);
 */
#ifndef TS_IDMAP_H
#define TS_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap;

/*
 * Parses SPEC, "FROM:TO[,FROM:TO...]" for user ids (USERS) or group ids:
 * FROM is a number, a range "LOW-HIGH", a name, a wildcard pattern
 * matched against the name (rsync's wildmatch), or empty (ids without a
 * name); TO is a name or a number.  The first rule that matches wins.  A
 * rule whose TO names nobody is left out and WARN(ARG, TO) is called (it
 * may be NULL): rsync says so and goes on.  Returns 0 with *OUT set, or
 * -EINVAL with rsync's message in ERR.
 */
int idmap_parse(const char *spec, bool users, struct idmap **out, char *err,
    size_t errlen, void (*warn)(void *arg, const char *to), void *arg);

/*
 * The id that ID maps to.  NUMERIC (--numeric-ids) matches ID as if it
 * had no name, as rsync does.  An id no rule matches is kept.  Thread-safe
 * (results are cached under a lock: name look-ups happen once per id).
 */
uint32_t idmap_map(struct idmap *m, uint32_t id, bool numeric);

void idmap_free(struct idmap *m);

/* The user (USERS) or group id named, or numbered, S: true and *ID, or
 * false when there is none.  Thread-safe. */
bool idmap_id_of(bool users, const char *s, uint32_t *id);

#endif /* TS_IDMAP_H */
