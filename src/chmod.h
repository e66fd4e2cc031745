/*
 * chmod.h -- rsync's --chmod=CHMOD: comma-separated symbolic (chmod(1)
 * style, e.g. "Dg+s,Fo-w,+X", "u=rwX,go=rX") or octal ("D2775,F664")
 * items, each optionally limited to directories (D) or files (F).  Pure.
 */
#ifndef TS_CHMOD_H
#define TS_CHMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chmod_rule;

/*
 * Parses SPEC (may be appended to an existing list *RULES: rsync allows
 * --chmod several times).  Returns 0, or -1 with a message in ERR.
 */
int chmod_parse(struct chmod_rule **rules, const char *spec, char *err,
    size_t errlen);

/* MODE (type + permissions) after the rules; the type bits never change.
 * UMASK is the process's: a rule without u/g/o/a does not touch its bits
 * (it still clears them with '='), as chmod(1).  Pure. */
uint32_t chmod_apply(const struct chmod_rule *rules, uint32_t mode,
    uint32_t umask);

void chmod_free(struct chmod_rule *rules);

#endif /* TS_CHMOD_H */
