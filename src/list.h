/*
 * list.h -- --list-only: the sources listed as rsync lists them (list.c).
 */
#ifndef TS_LIST_H
#define TS_LIST_H

struct ts_run;
struct ts_stats;

/*
 * Lists every source operand of RUN (its filters built) on the report,
 * counting the entries into *ST as --stats counts them.  Copies nothing,
 * never opens DEST.  Returns the exit code: 0, 23 when an entry could not
 * be read (reported), 20 when cancelled.  The caller's thread only.
 */
int list_run(struct ts_run *run, struct ts_stats *st);

#endif
