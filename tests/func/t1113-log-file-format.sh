#!/bin/bash
# --log-file with --log-file-format: the item lines of the log equal rsync's
# (timestamp and pid stripped; each tool's own start and end lines left
# out): the default "%i %n%L", which items are logged (every transfer; an
# attribute-only file change only when stdout itemizes, whatever the log's
# format),
# deletions ("deleting %n" unless %i or %o), an empty format.
. "$(dirname "$0")/lib.sh"
describe "--log-file item lines equal rsync's for the default and custom --log-file-format, with and without -i"

make_mixed_tree "$SRC"
copy_tree "$SRC" "$DST"
printf 'changed\n' >"$DST/a/top.txt"
chmod 0600 "$DST/one_byte"                  # attribute-only change
touch -h -d @1400000000 "$DST/a/b" "$DST/rel_link"
rm -f "$DST/dir_link"
mkdir -p "$DST/extra/deep"; printf 'x\n' >"$DST/extra/deep/x"
touch -d "@$(stat -c %Y "$SRC")" "$DST"     # the root unchanged

# The log's item lines: "DATE TIME [PID] " cut, rsync's "building file
# list" and "sent ..." and treesync's "treesync ..." lines dropped.
log_items() {
    sed -E 's/^[0-9]{4}\/[0-9]{2}\/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[[0-9]+\] //' "$1" |
        grep -Ev '^(building file list|sent [0-9,]+ bytes  received|treesync )' |
        LC_ALL=C sort
}

# run_logged NAME OPTS...: both tools, each with its own log; compares
# stdout, exit codes, trees and the logs' item lines.
run_logged() {
    local name=$1; shift
    rm -f "$T/rs.$name.log" "$T/ts.$name.log"
    _reset_outputs
    _run_one rsync "$RSYNC" "$RS_DST" "$@" --log-file="$T/rs.$name.log" -- "$SRC/" "$DST"
    _run_one treesync "$TREESYNC" "$TS_DST" "$@" --log-file="$T/ts.$name.log" -- "$SRC/" "$DST"
    RS_RC=$(cat "$T/rsync.rc"); TS_RC=$(cat "$T/treesync.rc")
    assert_same_result
    log_items "$T/rs.$name.log" >"$T/rs.$name.items"
    log_items "$T/ts.$name.log" >"$T/ts.$name.items"
    if ! diff -u --label "rsync log" --label "treesync log" "$T/rs.$name.items" "$T/ts.$name.items" >"$T/log.diff"; then
        note "$name: log item lines differ (- rsync, + treesync):"; note_file "$T/log.diff"
        fail "$name: --log-file item lines differ"
    fi
}
rs_log_has() {  # NAME LINE
    grep -qxF -- "$2" "$T/rs.$1.items" || { note_file "$T/rs.$1.items"; fail "scenario check: '$2' not in rsync's $1 log"; }
}
rs_log_lacks() {  # NAME PATTERN
    ! grep -q -- "$2" "$T/rs.$1.items" || { note_file "$T/rs.$1.items"; fail "scenario check: '$2' in rsync's $1 log"; }
}

run_logged plain -a --delete
rs_log_has plain '>f.st...... a/top.txt'
rs_log_has plain '*deleting   extra/deep/x'
rs_log_lacks plain 'one_byte'           # attribute-only: not logged without -i
run_logged itemized -ai --delete
rs_log_has itemized '.f...p..... one_byte'
run_logged custom -a --delete --log-file-format='%o %n%L [%l]'
rs_log_has custom 'del. extra/deep/ [0]'
run_logged nameonly -a --delete --log-file-format='%n'
rs_log_has nameonly 'deleting extra/deep/x'
run_logged withi -a --delete --log-file-format='%i|%n|%B'
rs_log_lacks withi 'one_byte'          # %i in the log alone lists no more
run_logged empty -a --delete --log-file-format=''
rs_log_lacks empty 'a/top.txt'          # no items, but the deletions
rs_log_has empty 'deleting extra/deep/x'
pass
