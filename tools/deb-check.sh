#!/bin/bash
# tools/deb-check.sh [REV] -- builds the Debian packages from a clean export
# of REV (default HEAD), checks them with lintian, installs them into a
# scratch root, tries them there and purges them again.  The host's own
# package database and /usr are never touched.
#
# What it checks:
#  - `dpkg-buildpackage -us -uc -b` builds treesync, libtreesync0 and
#    libtreesync-dev (the build runs the unit, API and install tests unless
#    DEB_BUILD_OPTIONS has nocheck);
#  - lintian finds no error in the .changes (its tags are printed);
#  - the three install together, `dpkg -L` lists what each owns;
#  - the packaged treesync mirrors a small tree;
#  - `pkg-config --cflags --libs treesync` works with the -dev package, and a
#    program built with it syncs a tree through the packaged libtreesync.so.0;
#  - libtreesync.so.0 exports only ts_* symbols;
#  - purging the three leaves no file behind.
#
# Exits 0 when all hold, 1 when one fails, 77 when a tool it needs is
# missing (Debian: dpkg-dev, debhelper, lintian; tools/deps.sh has the
# build dependencies).  Takes about a minute on two cores.
# DEB_CHECK_KEEP=DIR copies the packages and the .changes there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD}

missing=()
for t in dpkg-buildpackage dh lintian git cc pkg-config nm; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deb-check: SKIP: missing ${missing[*]}" \
	    "(apt-get install dpkg-dev debhelper lintian build-essential)" >&2
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deb-check: SKIP: dpkg --root needs root" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/deb-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; failed=1; }

# The version names the export's directory, as dpkg-source expects.
git -C "$top" show "$rev:debian/changelog" >"$tmp/changelog"
ver=$(dpkg-parsechangelog -l "$tmp/changelog" -S Version)
src=$tmp/treesync-$ver
mkdir "$src"
git -C "$top" archive "$rev" | tar -x -C "$src"
echo "deb-check: building treesync $ver from $(git -C "$top" rev-parse --short "$rev")"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b -j2) >"$tmp/build.log" 2>&1; then
	tail -n 40 "$tmp/build.log"
	echo "FAIL: dpkg-buildpackage (the log's tail above)"
	exit 1
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
changes=$tmp/treesync_${ver}_$arch.changes
debs=()
for p in treesync libtreesync0 libtreesync-dev; do
	deb=$tmp/${p}_${ver}_$arch.deb
	if [ -f "$deb" ]; then
		debs+=("$deb")
	else
		bad "dpkg-buildpackage made no $p package"
	fi
done
[ "$failed" -eq 0 ] || exit 1
ok "dpkg-buildpackage built ${#debs[@]} packages"
if [ -n "${DEB_CHECK_KEEP:-}" ]; then
	mkdir -p "$DEB_CHECK_KEEP"
	cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$DEB_CHECK_KEEP"/
fi

# lintian: every tag is shown; only errors fail the check.
if lintian -I --pedantic --fail-on error "$changes" >"$tmp/lintian.txt" 2>&1; then
	ok "lintian: no error ($(grep -c '^[WIPX]:' "$tmp/lintian.txt" || true) other tags)"
else
	bad "lintian found errors"
fi
sed 's/^/  lintian: /' "$tmp/lintian.txt"

# A scratch root whose package database is a copy of the host's: the
# dependencies resolve as they would on this machine and a file another
# package owns would be a conflict.  The packages have no maintainer
# scripts (dpkg would run one chrooted into the root, which has no shell).
root=$tmp/root
admin=$root/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates"
cp /var/lib/dpkg/status "$admin/status"
cp /var/lib/dpkg/info/*.list "$admin/info/"
touch "$admin/available"
rdpkg() { dpkg --root="$root" "$@"; }
if rdpkg -i "${debs[@]}" >"$tmp/install.log" 2>&1; then
	ok "the three packages install"
else
	cat "$tmp/install.log"
	bad "dpkg -i"
	exit 1
fi
for p in treesync libtreesync0 libtreesync-dev; do
	echo "  dpkg -L $p: $(rdpkg -L "$p" | while read -r f; do
		[ -d "$root$f" ] || printf '%s ' "$f"; done)"
done
for f in usr/bin/treesync usr/share/man/man1/treesync.1.gz \
    usr/share/bash-completion/completions/treesync \
    "usr/lib/$multiarch/libtreesync.so.0" "usr/lib/$multiarch/libtreesync.so" \
    usr/include/treesync/treesync.h "usr/lib/$multiarch/pkgconfig/treesync.pc" \
    "usr/lib/$multiarch/cmake/treesync/treesyncConfig.cmake"; do
	[ -e "$root/$f" ] || bad "/$f is not installed"
done

# The command.
mkdir -p "$tmp/t/src/d"
echo one >"$tmp/t/src/a"
echo two >"$tmp/t/src/d/b"
ln -s a "$tmp/t/src/l"
if "$root/usr/bin/treesync" -a "$tmp/t/src/" "$tmp/t/dst1" &&
    diff -r --no-dereference "$tmp/t/src" "$tmp/t/dst1"; then
	ok "the packaged treesync mirrors a tree"
else
	bad "the packaged treesync did not mirror a tree"
fi

# The library, through pkg-config, as a user of libtreesync-dev builds.
pcdir=$root/usr/lib/$multiarch/pkgconfig
if flags=$(PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_SYSROOT_DIR=$root \
    pkg-config --cflags --libs treesync); then
	ok "pkg-config --cflags --libs treesync: $flags"
else
	bad "pkg-config --cflags --libs treesync"
fi
cat >"$tmp/user.c" <<'EOF'
#include <stdio.h>
#include <treesync/treesync.h>

int main(int argc, char **argv)
{
	struct ts_options o;
	struct ts_stats st;
	const char *srcs[1];

	if (argc != 3)
		return 2;
	srcs[0] = argv[1];
	ts_options_init(&o);
	o.recursive = o.links = o.perms = o.times = true;
	o.srcs = srcs;
	o.nsrcs = 1;
	o.dest = argv[2];
	return ts_sync(&o, &st);
}
EOF
# shellcheck disable=SC2086
if cc -std=c11 -Wall -Werror "$tmp/user.c" -o "$tmp/user" ${flags:-} \
    >"$tmp/cc.log" 2>&1; then
	lib=$(LD_LIBRARY_PATH=$root/usr/lib/$multiarch ldd "$tmp/user" |
	    awk '/libtreesync/ { print $3 }')
	if [ "$lib" != "$root/usr/lib/$multiarch/libtreesync.so.0" ]; then
		bad "the program loads '$lib', not the packaged library"
	elif LD_LIBRARY_PATH=$root/usr/lib/$multiarch "$tmp/user" \
	    "$tmp/t/src/" "$tmp/t/dst2" &&
	    diff -r --no-dereference "$tmp/t/src" "$tmp/t/dst2"; then
		ok "a program built with pkg-config syncs a tree with libtreesync.so.0"
	else
		bad "the program built with pkg-config did not sync the tree"
	fi
else
	cat "$tmp/cc.log"
	bad "a program cannot be built with pkg-config's flags"
fi

# Exports: ts_* and the version node (an absolute symbol) only.
others=$(nm -D --defined-only "$root/usr/lib/$multiarch/libtreesync.so.0" |
    awk '$2 != "A" && $3 !~ /^ts_/ { print $3 }' | head -n 10 | tr '\n' ' ')
n=$(nm -D --defined-only "$root/usr/lib/$multiarch/libtreesync.so.0" |
    awk '$3 ~ /^ts_/' | wc -l)
if [ -z "$others" ] && [ "$n" -gt 0 ]; then
	ok "libtreesync.so.0 exports $n symbols, all ts_*"
else
	bad "libtreesync.so.0 exports more than ts_*: $others"
fi

# Removal.
if rdpkg --purge libtreesync-dev libtreesync0 treesync >"$tmp/purge.log" 2>&1; then
	left=$(find "$root" -path "$root/var" -prune -o ! -type d -print)
	if [ -z "$left" ]; then
		ok "the three purge and leave no file"
	else
		bad "left after purge: $left"
	fi
else
	cat "$tmp/purge.log"
	bad "dpkg --purge"
fi

if [ "$failed" -ne 0 ]; then
	echo "deb-check: FAILED"
	exit 1
fi
echo "deb-check: all checks passed"
