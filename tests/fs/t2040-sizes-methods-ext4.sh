#!/bin/bash
. "$(dirname "$0")/lib.sh"
FSTYPE=ext4
. "$FS_DIR/sc-sizes.sh"
