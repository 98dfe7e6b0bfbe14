#!/usr/bin/env bash
# Proves that the build enforces semantic versioning: in a temporary copy of this tree, a breaking change to an
# exported package (fuse.mount's MountException made final) must fail the build with the baseline's message,
# and the same change with the package's major version raised must build. Run by ./test; nothing here mounts.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$top/build/jdk25.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/fuse-baseline-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c --ignore-failed-read 2>/dev/null) \
  | tar -x -C "$work"

build() {  # the baselined bundles and the baseline check only: no other test is compiled or run
  (cd "$work" && mvn -B -q verify -pl build/baseline -am -Dmaven.test.skip=true) >"$work/build.log" 2>&1
}
fail() { echo "baseline self-test: $*" >&2; tail -40 "$work/build.log" >&2; exit 1; }

exception=$work/fuse.mount/src/main/java/fuse/mount/MountException.java
grep -q '^public class MountException' "$exception" || fail "MountException is no longer a non-final public class; pick another breaking change"
sed -i 's/^public class MountException/public final class MountException/' "$exception"
if build; then fail "a breaking change to fuse.mount built without a version change"; fi
grep -q 'package fuse.mount has a MAJOR change' "$work/build.log" || fail "the build failed, but not on the baseline"
echo "baseline self-test: a breaking change without a major version fails the build, as it must:"
grep -m1 -A3 'package fuse.mount has a MAJOR change' "$work/build.log" | sed 's/^/    /'


info=$work/fuse.mount/src/main/java/fuse/mount/package-info.java
major=$(sed -nE 's/^@Version\("([0-9]+)\..*/\1/p' "$info")
sed -i -E "s/^@Version\(\"[^\"]*\"\)/@Version(\"$((major + 1)).0.0\")/" "$info"
build || fail "the same change with fuse.mount $((major + 1)).0.0 did not build"
echo "baseline self-test: with the major version raised it builds"
