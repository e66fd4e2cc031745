#!/bin/bash
. "$(dirname "$0")/lib.sh"
FSTYPE=xfs
. "$FS_DIR/sc-reflink.sh"
