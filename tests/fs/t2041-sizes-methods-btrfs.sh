#!/bin/bash
. "$(dirname "$0")/lib.sh"
FSTYPE=btrfs
. "$FS_DIR/sc-sizes.sh"
