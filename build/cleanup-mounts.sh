#!/usr/bin/env bash
# The one mount-cleanup routine for scripts: aborts and lazily unmounts every FUSE mount whose mountpoint lies
# under a test directory (JUnit's /tmp/junit*; the tests' own /tmp/fuse-test*, /tmp/fuse-channel-test*,
# /tmp/fuse-itest*, /tmp/fuse-workload*; or the project), or matches the regular expression $1 when given;
# never the benchmark's /tmp/fuse-bench.*. A stuck server cannot block this: the connection is aborted through
# fusectl before the lazy unmount.
set -u
prefix_pattern="${1:-^(/tmp/(junit|fuse-test|fuse-channel-test|fuse-itest|fuse-workload)[^/]*/|$(cd "$(dirname "$0")/.." && pwd)/)}"
conn_dir=/sys/fs/fuse/connections
if [ -d "$conn_dir" ] && ! mountpoint -q "$conn_dir"; then
  mount -t fusectl none "$conn_dir" 2>/dev/null || true
fi
awk '$3 ~ /^fuse/ {print $2}' /proc/mounts | while read -r mnt; do
  mnt=$(printf '%b' "$mnt")   # /proc/mounts escapes spaces as \040
  [[ "$mnt" =~ $prefix_pattern ]] || continue
  # fusectl names a connection by the kernel's dev_t (major << 20 | minor), read from mountinfo because
  # stat(2) would hang or fail on a dead server.
  dev=$(awk -v m="$mnt" '$5 == m {split($3, a, ":"); print a[1] * 1048576 + a[2]}' /proc/self/mountinfo | head -n1)
  [ -n "$dev" ] && [ -w "$conn_dir/$dev/abort" ] && echo 1 > "$conn_dir/$dev/abort" 2>/dev/null
  umount -l "$mnt" 2>/dev/null && echo "cleanup: unmounted leftover FUSE mount $mnt" >&2
done
exit 0
