# Sourced by ./run, ./test and .ci/run: finds a JDK 25 and exports JAVA_HOME, so the build never depends on
# the machine's default java (17 on this kind of machine). Honours a JAVA_HOME that already is 25+.
# The JDK's `release` file names its version without starting a JVM (each start costs ~0.1 s, and ./run sources
# this before every container start); a JDK without one is asked directly.
java_feature_version() {
  local version
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  if [ -n "$version" ]; then
    echo "$version"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
  fi
}
find_jdk25() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" "${JDK25_HOME:-}" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(java_feature_version "$candidate")
    if [ -n "$version" ] && [ "${version%%.*}" -ge 25 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME=$(find_jdk25); then
  echo "error: no JDK 25 found (looked at \$JAVA_HOME, \$JDK25_HOME, /usr/lib/jvm/*, /opt/java/*)." >&2
  echo "       Install a JDK 25 (e.g. Temurin 25) or set JDK25_HOME to one." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
