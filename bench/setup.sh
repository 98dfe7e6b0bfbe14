#!/usr/bin/env bash
# Installs what bench/run.sh needs (Debian/Ubuntu packages only).
#
#   bench/setup.sh            fio + python3-matplotlib (chart) + fuse-overlayfs + the tools the harness calls
#   bench/setup.sh --libfuse  also what bench/build-passthrough-hp.sh needs to build libfuse's passthrough_hp
#
# JDK 25 and Maven for the project itself are not installed here (see build/jdk25.sh); bench/jmh.sh needs them.
set -euo pipefail
pkgs=(fio python3 python3-matplotlib tar findutils coreutils util-linux procps gawk fuse-overlayfs)
[[ ${1:-} == --libfuse ]] && pkgs+=(meson ninja-build pkg-config gcc g++ liburing-dev libnuma-dev udev)
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${pkgs[@]}"
