/*
 * nameconv.h -- --iconv=LOCAL,REMOTE: names (and symlink targets) converted
 * between the source's charset and the destination's, as a local rsync
 * converts them: LOCAL to UTF-8 (its sender), UTF-8 to REMOTE (its
 * receiver).
 */
#ifndef TS_NAMECONV_H
#define TS_NAMECONV_H

#include <stdbool.h>

struct nameconv;
struct report;

/* Which step of a conversion failed (rsync's side that says so). */
enum nameconv_step {
	NAMECONV_SENDER,	/* LOCAL -> UTF-8 */
	NAMECONV_RECEIVER,	/* UTF-8 -> REMOTE */
};

/*
 * The converter of rsync's CONVERT_SPEC SPEC ("LOCAL,REMOTE", "LOCAL" for
 * both, "." or an empty part for the locale's charset), or *OUT = NULL
 * when SPEC asks for none ("-").  Returns 0, or the exit code after
 * saying why (rsync's 'iconv_open("UTF-8", "X") failed', exit 4).  Not
 * thread-safe; the converter is.
 */
int nameconv_open(const char *spec, struct report *rep,
    struct nameconv **out);

void nameconv_free(struct nameconv *nc);

/*
 * NAME as it is called in the destination (malloc'ed), or NULL with errno
 * set (EILSEQ, EINVAL: a byte sequence the charset does not have) and
 * *STEP saying which conversion failed.  Thread-safe.
 */
char *nameconv_to_dest(struct nameconv *nc, const char *name,
    enum nameconv_step *step);

/*
 * A destination name (or path) back in the source's charset, as a local
 * rsync prints it (malloc'ed), or NULL when it has no such form (printed
 * then as it is).  Thread-safe.
 */
char *nameconv_to_local(struct nameconv *nc, const char *name);

/* The UTF-8 form of a source NAME (rsync's receiver names a name it
 * cannot convert so), malloc'ed, or NULL.  Thread-safe. */
char *nameconv_to_utf8(struct nameconv *nc, const char *name);

#endif /* TS_NAMECONV_H */
