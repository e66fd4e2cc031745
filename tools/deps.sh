#!/bin/bash
# Installs what building and testing treesync needs, from Debian's packages.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libarchive-dev libxxhash-dev
      libcmocka-dev libjansson-dev rsync python3 mandoc jq
      libfuse3-dev fuse3 btrfs-progs xfsprogs e2fsprogs util-linux attr acl
      strace bash-completion zsh fish
      clang-14 libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
