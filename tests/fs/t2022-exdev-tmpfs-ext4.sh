#!/bin/bash
. "$(dirname "$0")/lib.sh"
SRCFS=tmpfs DSTFS=ext4
. "$FS_DIR/sc-exdev.sh"
