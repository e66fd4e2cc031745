#!/bin/bash
. "$(dirname "$0")/lib.sh"
SRCFS=btrfs DSTFS=xfs
. "$FS_DIR/sc-exdev.sh"
