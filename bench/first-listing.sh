#!/usr/bin/env bash
# bench/first-listing.sh - the first cold listing of a big directory by a freshly started container against the
# later ones.
#
# Usage: sudo bench/first-listing.sh [-n ENTRIES] [-r LISTINGS] [-s STARTS] [-w] [CHECKOUT]
#
# Fills a directory with ENTRIES (default 10000) empty files, then STARTS times (default 3): starts CHECKOUT's
# ./run (default: this checkout; built, FUSE_NO_BUILD is set) on a fresh FUSE_HOME over it, and lists the
# directory through the mount LISTINGS times (default 5), each after drop_caches (so each is a cold listing:
# READDIRPLUS, then READDIRs, served by the container). Prints the seconds of each listing: the first of a start
# runs the container's listing code for the first time (interpreted, while the JIT compiles it), the later ones
# run it compiled. -w lists a directory of 10 entries first (untimed): what the first listing costs beyond
# loading and linking the listing's code once. Every launch is stopped with SIGTERM, then killed, and its mount
# lazily unmounted.
set -euo pipefail
source "$(dirname "$0")/lib/container.sh"
entries=10000 listings=5 starts=3 warm=
while getopts n:r:s:wh opt; do
	case $opt in
		n) entries=$OPTARG ;;
		r) listings=$OPTARG ;;
		s) starts=$OPTARG ;;
		w) warm=1 ;;
		*) sed -n '2,13p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
checkout=$(cd "${1:-$(dirname "$0")/..}" && pwd)
[[ $(id -u) == 0 ]] || { echo "run as root (mounting, drop_caches)" >&2; exit 2; }
[[ -x $checkout/run && -f $checkout/fuse.dist/target/fuse.jar ]] || { echo "$checkout: no ./run or no built jar" >&2; exit 2; }

work=$(mktemp -d /tmp/fuse-first-listing.XXXXXX)
LAUNCHED=
stop() { stop_run "$LAUNCHED" "$work/mnt"; LAUNCHED=; }
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/src/big" "$work/src/small" "$work/mnt"
for ((i = 0; i < 10; i++)); do : >"$work/src/small/file-$i"; done
python3 - "$work/src/big" "$entries" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open(f"{d}/file-{i:06d}", os.O_CREAT | os.O_WRONLY, 0o644))
PY

seconds() { # command...: its wall time
	local t0 t1
	t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
count() { [[ $(ls -f "$1" | wc -l) == $((entries + 2)) ]] || { echo "listed the wrong number of entries" >&2; exit 1; }; }

echo "first-listing: $entries entries, $listings cold listings per start, $starts starts of $checkout${warm:+, a small directory listed first}"
printf '%-6s' start; for ((l = 1; l <= listings; l++)); do printf ' %8s' "ls#$l"; done; echo
for ((s = 1; s <= starts; s++)); do
	home=$work/home-$s
	mkdir -p "$home"
	launch_run "$checkout" "$work/src" "$work/mnt" "$home" "$work/log-$s"
	await_mount "$work/mnt" "$work/mnt/big" || { echo "no mount after 30 s, see $work/log-$s" >&2; cat "$work/log-$s" >&2; exit 1; }
	printf '%-6s' "$s"
	[[ -n $warm ]] && ls -f "$work/mnt/small" >/dev/null
	for ((l = 1; l <= listings; l++)); do
		sync; echo 3 >/proc/sys/vm/drop_caches
		printf ' %8s' "$(seconds count "$work/mnt/big")"
	done
	echo
	stop
done
