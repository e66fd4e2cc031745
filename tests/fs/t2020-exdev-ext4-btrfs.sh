#!/bin/bash
. "$(dirname "$0")/lib.sh"
SRCFS=ext4 DSTFS=btrfs
. "$FS_DIR/sc-exdev.sh"
