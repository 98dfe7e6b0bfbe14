#!/usr/bin/env bash
# Builds libfuse's example/passthrough_hp from a libfuse source tree you supply, for a side-by-side run with
# bench/run.sh (-L DIR does this for you). Nothing of libfuse is kept in this repository: the build directory
# lives inside the source tree (or where you say). Prints the binary's path on stdout; a no-op when up to date.
#
#   bench/build-passthrough-hp.sh LIBFUSE_SRC_DIR [BUILD_DIR]
#
# Get a source tree e.g. with `git clone https://github.com/libfuse/libfuse` (Debian's libfuse3 is too old for
# passthrough). Build dependencies: bench/setup.sh --libfuse.
set -euo pipefail
[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
src=$(realpath "$1")
build=$(realpath -m "${2:-$src/build-bench}")
[[ -f $src/meson.build && -f $src/example/passthrough_hp.cc ]] || { echo "$src is not a libfuse source tree" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $build/ == "$repo"/* ]] && { echo "refusing to build inside this repository ($build)" >&2; exit 2; }
for t in meson ninja pkg-config cc c++; do
  command -v $t >/dev/null || { echo "missing $t: run bench/setup.sh --libfuse" >&2; exit 2; }
done
if [[ ! -f $build/build.ninja ]]; then
  # useroot/initscriptdir/udevrulesdir keep `meson setup` from wanting to install into the system
  (cd "$src" && meson setup "$build" -Dbuildtype=release -Dtests=false -Duseroot=false -Dinitscriptdir= \
    -Dudevrulesdir="$build/udev") >&2
fi
ninja -C "$build" example/passthrough_hp >&2
version=$(grep -o "version *: *'[^']*'" "$src/meson.build" | head -1 | cut -d"'" -f2)
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo "no git metadata")
echo "libfuse $version from $src ($commit), built $(date -I) with $(cc --version | head -1)" >"$build/bench-build-info.txt"
echo "$build/example/passthrough_hp"
