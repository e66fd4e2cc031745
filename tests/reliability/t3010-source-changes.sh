#!/bin/bash
# RT-10 Source files changing during the copy (G4, G5).
#
# SRC/big is 64 MiB (version A), DEST/big an older 63 MiB (version O);
# the copy is forced to read/write so that it takes a while.  A mutator
# watches DEST with inotify: when treesync's temp for big appears and has
# reached K MiB (K random in {2, 8, 24}), it changes SRC/big:
#   grow     +256 KiB, mtime restored        shrink   to 4 KiB, mtime restored
#   rewrite  first 4 MiB overwritten in place, same size, mtime restored
#            (rsync exits 0 with a torn copy and then calls it up to date)
#   delete   unlink                          symlink  replaced by a symlink
#                                                     to a root-only secret
# The mutator then checks that the temp was still incomplete: "strict"
# iterations are those where the change provably completed before the
# tool's post-copy fstat could run.
#
# Oracle (F = SRC/big once the mutator is done; nothing changes after):
#  O1 exit code is 0, 23 or 24;
#  O2 DEST/big is always one whole version: O, A or F (never a mixture);
#  O3 strict and exit 0 => DEST == SRC already (the change was seen, the
#     copy retried or the run reported it); for delete, strict => exit 24
#     ("vanished") and DEST/big untouched (O);
#  O4 a rerun without mutation exits 0 and leaves DEST == SRC (snapshot:
#     content, size, type, mtime to the second -- the tool's documented
#     comparison granularity): a changed file is never recorded as up
#     to date -- this is what catches a same-size rewrite with the mtime
#     restored, which a size+mtime rerun cannot see (for a NON-strict
#     rewrite the change may have followed the tool's last fstat, where no
#     size+mtime tool can see it: that rerun uses -c);
#  O5 the secret's bytes never appear in a regular file in DEST.
. "$(dirname "$0")/lib.sh"
cond "source grown/shrunk/rewritten(mtime restored)/deleted/replaced by symlink mid-copy: never a torn DEST, exit 0 only if DEST==SRC, a rerun always converges, secret never copied"
need_treesync
build_helpers
per_mode=${RT10_ITERATIONS:-3}

mkdir -p "$T/src/d" "$T/dst" "$T/outside"
head -c $((64 << 20)) /dev/urandom >"$T/A.bin"
head -c $((63 << 20)) /dev/urandom >"$T/O.bin"
for i in 1 2 3; do echo "small $i" >"$T/src/d/s$i"; done
marker="TOPSECRET-$RANDOM$RANDOM$RANDOM"
echo "$marker" >"$T/outside/secret"
chmod 600 "$T/outside/secret"
cp "$T/A.bin" "$T/src/big"
ts "$T/out" "$T/err" -a "$T/src/" "$T/dst/"
[ "$RC" = 0 ] || { note_file "$T/err"; fail "initial sync: exit $RC"; }

iters=0 strict=0 nonstrict=0 missed=0 exit0=0 reported=0 torn=0 bad_rc=0 o3=0 o4=0 secret=0
for mode in grow shrink rewrite delete symlink; do
    mode_strict=0 attempts=0
    while [ "$mode_strict" -lt "$per_mode" ] && [ "$attempts" -lt $((per_mode * 3)) ]; do
        attempts=$((attempts + 1))
        rm -f "$T/src/big"
        cp "$T/A.bin" "$T/src/big"
        touch -d @1650000000 "$T/src/big"
        cp "$T/O.bin" "$T/dst/big"
        touch -d @1640000000 "$T/dst/big"
        after=$(( (2 + (RANDOM % 3) * (RANDOM % 2 ? 6 : 11)) << 20 ))
        HBG mutator watch "$T/dst" big "$T/src/big" "$mode" "$after" "$T/outside/secret" >"$T/mut.out" 2>"$T/mut.err" &
        mpid=$!
        for _ in $(seq 200); do grep -q ready "$T/mut.out" 2>/dev/null && break; sleep 0.01; done
        ts "$T/out" "$T/err" -a --delete --copy-method=readwrite "$T/src/" "$T/dst/"
        rc=$RC
        wait "$mpid"
        mline=$(grep mutated "$T/mut.out")
        if ! grep -q 'mutated=1' <<<"$mline"; then
            missed=$((missed + 1))
            continue
        fi
        iters=$((iters + 1))
        is_strict=0
        grep -q 'strict=1' <<<"$mline" && is_strict=1
        if [ "$is_strict" = 1 ]; then strict=$((strict + 1)); mode_strict=$((mode_strict + 1)); else nonstrict=$((nonstrict + 1)); fi
        what="$mode #$attempts (after $((after >> 20)) MiB, strict=$is_strict, exit $rc)"

        # O1
        case $rc in
            0) exit0=$((exit0 + 1)) ;;
            23|24) reported=$((reported + 1)) ;;
            *) bad_rc=$((bad_rc + 1)); note "$what: unexpected exit code"; note_file "$T/err" 3 ;;
        esac
        # O2
        if [ -L "$T/dst/big" ]; then
            [ "$mode" = symlink ] || { torn=$((torn + 1)); note "$what: DEST/big became a symlink"; }
        elif ! { cmp -s "$T/dst/big" "$T/O.bin" || cmp -s "$T/dst/big" "$T/A.bin" ||
                 { [ -f "$T/src/big" ] && [ ! -L "$T/src/big" ] && cmp -s "$T/dst/big" "$T/src/big"; }; }; then
            torn=$((torn + 1))
            note "$what: DEST/big is none of old/start/final source content (torn), $(stat -c %s "$T/dst/big") bytes"
        fi
        # O3
        if [ "$is_strict" = 1 ]; then
            if [ "$mode" = delete ]; then
                if [ "$rc" != 24 ] || ! cmp -s "$T/dst/big" "$T/O.bin"; then
                    o3=$((o3 + 1)); note "$what: vanished source: expected exit 24 and DEST/big untouched"
                    note_file "$T/err" 3
                fi
            elif [ "$rc" = 0 ] && ! same_tree "$T/src" "$T/dst" -s; then
                o3=$((o3 + 1)); note "$what: exit 0 but DEST != SRC"
            fi
        fi
        # O5
        if grep -rlq --binary-files=text "$marker" "$T/dst" 2>/dev/null; then
            secret=$((secret + 1)); note "$what: the secret was copied into DEST"
        fi
        # O4.  A non-strict same-size rewrite with the mtime restored may
        # have come after the tool's last fstat: invisible to size+mtime by
        # construction, so that rerun compares contents (-c).
        o4opt=()
        [ "$mode" = rewrite ] && [ "$is_strict" = 0 ] && o4opt=(-c)
        ts "$T/out" "$T/err" -a --delete --copy-method=readwrite "${o4opt[@]}" "$T/src/" "$T/dst/"
        if [ "$RC" != 0 ] || ! same_tree "$T/src" "$T/dst" -s; then
            o4=$((o4 + 1)); note "$what: the rerun (exit $RC) did not converge"
            note_file "$T/err" 3
        fi
        if grep -rlq --binary-files=text "$marker" "$T/dst" 2>/dev/null; then
            secret=$((secret + 1)); note "$what: the secret was copied into DEST by the rerun"
        fi
        rm -f "$T/src/big.mutlink"
    done
    [ "$mode_strict" -gt 0 ] || check_fail "mode $mode: no strict iteration in $attempts attempts (harness did not race)"
done

result iterations="$iters" strict="$strict" non_strict="$nonstrict" missed="$missed" exit0="$exit0" \
    exit23_24="$reported" torn="$torn" bad_exit="$bad_rc" o3_violations="$o3" rerun_not_converged="$o4" secret_copied="$secret"
[ "$torn" = 0 ] || check_fail "$torn torn DEST file(s)"
[ "$bad_rc" = 0 ] || check_fail "$bad_rc unexpected exit code(s)"
[ "$o3" = 0 ] || check_fail "$o3 run(s) reported success (or the wrong status) for a file changed during its copy"
[ "$o4" = 0 ] || check_fail "$o4 rerun(s) did not converge (a changed file recorded as up to date)"
[ "$secret" = 0 ] || check_fail "secret copied $secret time(s)"
verdict "$iters mutations ($strict strict): never torn, never wrongly up to date"
