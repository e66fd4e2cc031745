#!/bin/bash
# --version in rsync's layout and -VV as rsync's JSON document: the same
# keys as rsync's (what wrappers and rsync's test suite read), and values
# that tell the truth about treesync: a capability is true exactly when the
# option that uses it is taken.
. "$(dirname "$0")/lib.sh"
describe "--version has rsync's lines; -VV has rsync's JSON keys, and each capability matches the options treesync takes"

"$RSYNC" --version >"$T/rs.v" 2>&1 || fail "harness: rsync --version"
"$TREESYNC" --version >"$T/ts.v" 2>&1 || fail "--version: exit $?"
head -n 1 "$T/ts.v" | grep -qE '^treesync  version [0-9][^ ]*  protocol version [0-9]+$' ||
    fail "--version first line: $(head -n 1 "$T/ts.v")"
head -n 1 "$T/rs.v" | grep -qE '^rsync  version [0-9][^ ]*  protocol version 32$' || fail "harness: rsync's first line"
for section in 'Capabilities:' 'Checksum list:' 'Compress list:'; do
    grep -qx "$section" "$T/rs.v" || fail "harness: rsync --version lacks $section"
    grep -qx "$section" "$T/ts.v" || fail "--version lacks rsync's '$section' section"
done
"$TREESYNC" -V -V >"$T/ts.v2" 2>&1 && cmp -s "$T/ts.v" "$T/ts.v2" && fail "-V -V printed --version again"

"$RSYNC" -VV >"$T/rs.json" || fail "harness: rsync -VV"
"$TREESYNC" -VV >"$T/ts.json" || fail "-VV: exit $?"
"$PYTHON" - "$T/rs.json" "$T/ts.json" "$TREESYNC" <<'EOF' || fail "-VV: see above"
import json, subprocess, sys
rs = json.load(open(sys.argv[1]))
try:
    ts = json.load(open(sys.argv[2]))
except ValueError as e:
    sys.exit(f"    -VV is not JSON: {e}")
bad = []
if set(rs) != set(ts):
    bad.append(f"top-level keys differ: rsync only {sorted(set(rs)-set(ts))}, treesync only {sorted(set(ts)-set(rs))}")
if set(rs["capabilities"]) != set(ts.get("capabilities", {})):
    bad.append(f"capability keys differ: {sorted(set(rs['capabilities']) ^ set(ts.get('capabilities', {})))}")
for k in ("checksum_list", "compress_list", "daemon_auth_list"):
    if not isinstance(ts.get(k), list):
        bad.append(f"{k} is not a list")
if ts.get("checksum_list") != ["xxh128"]:
    bad.append(f"checksum_list {ts.get('checksum_list')}: -c is XXH3-128 (xxh128) only")
# A capability is true exactly when treesync takes the option that uses it.
probe = {"atimes": "-U", "crtimes": "-N", "inplace": "--inplace",
         "append": "--append", "batchfiles": "--write-batch=b",
         "iconv": "--iconv=utf8", "prealloc": "--preallocate",
         "xattrs": "-X", "ACLs": "-A", "hardlinks": "-H", "symlinks": "-l",
         "stop_at": "--stop-after=5", "secluded_args": "-s"}
for cap, opt in probe.items():
    p = subprocess.run([sys.argv[3], opt, "--version"], capture_output=True)
    taken = p.returncode == 0
    if ts["capabilities"].get(cap) is not taken:
        bad.append(f"capability {cap}={ts['capabilities'].get(cap)} but {opt} is {'taken' if taken else 'refused'}")
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
pass
