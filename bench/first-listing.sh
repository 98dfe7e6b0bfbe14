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
pgid=
stop() {
	if [[ -n $pgid ]]; then
		kill -TERM -- "-$pgid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$pgid" 2>/dev/null || true
		pgid=
	fi
	mounted "$work/mnt" && umount -l "$work/mnt" || true
}
cleanup() { stop; rm -rf "$work"; }
trap cleanup EXIT
mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

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
	setsid bash -c 'cd "$1" && FUSE_SOURCE="$2" FUSE_MOUNTPOINT="$3" FUSE_HOME="$4" FUSE_NO_BUILD=1 exec ./run < <(exec sleep 600)' \
		start "$checkout" "$work/src" "$work/mnt" "$home" >"$work/log-$s" 2>&1 &
	pgid=$!
	for ((i = 0; i < 6000; i++)); do
		if mounted "$work/mnt" && timeout 5 stat -- "$work/mnt/big" >/dev/null 2>&1; then break; fi
		sleep 0.005
	done
	mounted "$work/mnt" || { echo "no mount after 30 s, see $work/log-$s" >&2; cat "$work/log-$s" >&2; exit 1; }
	printf '%-6s' "$s"
	[[ -n $warm ]] && ls -f "$work/mnt/small" >/dev/null
	for ((l = 1; l <= listings; l++)); do
		sync; echo 3 >/proc/sys/vm/drop_caches
		printf ' %8s' "$(seconds count "$work/mnt/big")"
	done
	echo
	stop
done
