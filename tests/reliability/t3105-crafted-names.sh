#!/bin/bash
# ST-05 Crafted names are data, not syntax (G10).
#
# SRC names: newline, tab, CR, BEL, ESC "[2J", an OSC title sequence, C1
# CSI (0x9b), invalid UTF-8 (ff fe), DEL, leading "-" / "--delete" / "-",
# a literal backslash-#012, 255-byte ASCII and 255-byte UTF-8 names, a
# directory whose name holds a newline and ESC, and a deep path of 32
# levels x 200 bytes (> 6400 bytes, beyond PATH_MAX; built through
# directory fds).  DEST gets extraneous crafted names too, and one crafted
# name where a non-empty directory blocks a file (an error line that
# carries the name).
# Runs: -a -i (C locale), -a -v -I (C.UTF-8: temps for 255-byte names),
# -a -i --delete, -n -i after a change.
# Pass: exit codes as expected; DEST == SRC byte-exact (names, content,
# modes, mtimes); in every stdout/stderr line: no raw C0 control (tab
# excepted), no ESC, no CR, no raw newline inside a name (every line is a
# well-formed itemize/verbose/message line), no C1 control, no invalid
# UTF-8 (UTF-8 locale) / no byte >= 0x80 (C locale); each crafted name
# appears in its escaped form.  DEL (0x7f) printed raw is reported, not
# failed: rsync 3.5.0 prints it raw too.
. "$(dirname "$0")/lib.sh"
cond "names with NL/TAB/CR/ESC/C1/invalid UTF-8/leading dash/255 bytes/>PATH_MAX copied byte-exact; every output line escaped (no raw control bytes, one line per item)"
need_treesync
need_cmd python3
build_helpers

mkdir -p "$T/src" "$T/dst"
python3 - "$T/src" "$T/dst" <<'EOF' || fail "cannot build the crafted tree"
import os, sys
src, dst = (os.fsencode(a) for a in sys.argv[1:3])
names = [b'new\nline', b'tab\there', b'cr\rret', b'bell\x07', b'esc\x1b[2Jclear',
         b'osc\x1b]0;pwned\x07title', b'c1\x9bcsi', b'bad\xff\xfeutf8', b'del\x7fchar',
         b'-rf', b'--delete', b'-', b'back\\#012slash', b'x' * 255,
         '\u00e9'.encode() * 127 + b'z', b'sp ace ']
for n in names:
    with open(os.path.join(src, n), 'wb') as f:
        f.write(b'content of ' + n)
d = os.path.join(src, b'dir\nwith\x1bnl')
os.mkdir(d)
with open(os.path.join(d, b'inner\rcr'), 'wb') as f:
    f.write(b'inner')
# Deep path through directory fds (no PATH_MAX limit).
fd = os.open(src, os.O_RDONLY | os.O_DIRECTORY)
for i in range(32):
    n = (b'%02d' % i) + b'd' * 198
    os.mkdir(n, dir_fd=fd)
    nfd = os.open(n, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
w = os.open(b'leaf\x1b', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(w, b'deep leaf')
os.close(w)
os.close(fd)
# DEST: extraneous crafted names, and a blocked name.
os.mkdir(os.path.join(dst, b'gone\x1bQ'))
with open(os.path.join(dst, b'gone\x1bQ', b'f\nx'), 'wb') as f:
    f.write(b'x')
with open(os.path.join(dst, b'old\nfile'), 'wb') as f:
    f.write(b'x')
EOF

# check_output FILE LOCALE: prints problems, returns 1 if any.
check_output() {
    python3 - "$1" "$2" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
utf8 = sys.argv[2] == 'utf8'
bad = []
ok_line = re.compile(rb'^([<>ch.][fdLDS][.+?a-zA-Z ]{9} |\*deleting   |created directory |deleting |cannot delete |skipping |treesync: |rsync: |rsync error|sent |total size|\S)')
lines = data.split(b'\n')[:-1]
for no, line in enumerate(lines, 1):
    # rsync -v's blank line before its 'sent ... bytes' trailer
    if line == b'' and no < len(lines) and lines[no].startswith(b'sent '):
        continue
    for b in line:
        if (b < 0x20 and b != 0x09) or (not utf8 and b >= 0x80):
            bad.append('line %d: raw byte 0x%02x: %r' % (no, b, line[:80]))
            break
    if utf8:
        try:
            s = line.decode('utf-8')
            if any(0x80 <= ord(c) <= 0x9f for c in s):
                bad.append('line %d: raw C1 control: %r' % (no, line[:80]))
        except UnicodeDecodeError:
            bad.append('line %d: invalid UTF-8: %r' % (no, line[:80]))
    if not ok_line.match(line):
        bad.append('line %d: not a well-formed line (a raw newline inside a name?): %r' % (no, line[:80]))
    if b'\x7f' in line:
        print('note: raw DEL (0x7f) printed (rsync 3.5.0 does the same)')
for b in bad[:8]:
    print(b)
sys.exit(1 if bad else 0)
EOF
}

out_bad=0 tree_bad=0 bad_rc=0 missing_names=0
run_check() {   # run_check WHAT LOCALE WANT_RC ARGS...
    local what=$1 loc=$2 want=$3
    shift 3
    if [ "$loc" = utf8 ]; then
        LC_ALL=C.UTF-8 ts "$T/out" "$T/err" "$@"
    else
        LC_ALL=C ts "$T/out" "$T/err" "$@"
    fi
    [ "$RC" = "$want" ] || { bad_rc=$((bad_rc + 1)); note "$what: exit $RC, expected $want"; note_file "$T/err" 4; }
    cat "$T/out" "$T/err" >"$T/all"
    if ! check_output "$T/all" "$loc" >"$T/chk"; then
        out_bad=$((out_bad + 1)); note "$what: output not escaped:"; note_file "$T/chk" 8
    else
        grep -q '^note' "$T/chk" && note "$what: $(sort -u "$T/chk" | head -1)"
    fi
}

# 1. initial copy, C locale; a blocked name gives an error line.
mkdir -p "$T/dst/blocked"$'\e'"]0;x"$'\a'"name/inside"
echo f >"$T/src/blocked"$'\e'"]0;x"$'\a'"name"
run_check "-a -i (C)" c 23 -a -i "$T/src/" "$T/dst/"
for pat in 'new\\#012line' 'esc\\#033\[2Jclear' 'c1\\#233csi' 'bad\\#377\\#376utf8' 'cr\\#015ret' 'back\\#134#012slash' ' --delete$' ' -rf$' 'dir\\#012with\\#033nl/inner\\#015cr' 'leaf\\#033'; do
    grep -q -- "$pat" "$T/all" || { missing_names=$((missing_names + 1)); note "-a -i: no line matches $pat"; }
done
grep -q 'blocked\\#033\]0;x\\#007name' "$T/all" || { missing_names=$((missing_names + 1)); note "no escaped error line for the blocked name"; }
rm -rf "$T/dst/blocked"*
rm -f "$T/src/blocked"*

# 2. forced update in a UTF-8 locale (temps for 255-byte names).
run_check "-a -v -I (UTF-8)" utf8 0 -a -v -I "$T/src/" "$T/dst/"
grep -q "$(printf '\xc3\xa9\xc3\xa9')" "$T/all" || note "UTF-8: valid UTF-8 name not printed raw (allowed, but unlike rsync)"

# 3. --delete of crafted extraneous names.
run_check "-a -i --delete (C)" c 0 -a -i --delete "$T/src/" "$T/dst/"
grep -q 'deleting   gone\\#033Q/' "$T/all" || { missing_names=$((missing_names + 1)); note "--delete: no escaped deletion line for gone^[Q"; }
grep -q 'deleting   old\\#012file' "$T/all" || { missing_names=$((missing_names + 1)); note "--delete: no escaped deletion line for old\\nfile"; }
if ! same_tree "$T/src" "$T/dst"; then tree_bad=$((tree_bad + 1)); note "DEST != SRC after --delete"; fi

# 4. dry run after a change.
printf 'changed' >"$T/src/esc"$'\e'"[2Jclear"
run_check "-n -i (UTF-8)" utf8 0 -n -i "$T/src/" "$T/dst/" -a
grep -q 'esc\\#033\[2Jclear' "$T/all" || { missing_names=$((missing_names + 1)); note "-n: the changed crafted name not listed"; }
ts "$T/out" "$T/err" -a "$T/src/" "$T/dst/"
same_tree "$T/src" "$T/dst" || { tree_bad=$((tree_bad + 1)); note "DEST != SRC at the end"; }
deep=$(H snap "$T/dst" | grep -c 'leaf')
[ "$deep" = 1 ] || { tree_bad=$((tree_bad + 1)); note "the deep leaf is missing"; }
temps=$(count_temps "$T/dst")

result runs=4 unescaped_outputs="$out_bad" tree_mismatches="$tree_bad" bad_exit="$bad_rc" \
    names_not_reported="$missing_names" temps_left="$temps"
[ "$out_bad" = 0 ] || check_fail "$out_bad run(s) printed raw control bytes / broken lines"
[ "$tree_bad" = 0 ] || check_fail "DEST is not a byte-exact copy ($tree_bad)"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc unexpected exit code(s)"
[ "$missing_names" = 0 ] || check_fail "$missing_names crafted name(s) not reported in escaped form"
[ "$temps" = 0 ] || check_fail "$temps temp(s) left"
verdict "crafted names copied byte-exact and escaped in every line (4 runs)"
