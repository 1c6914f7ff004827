# Sourced by ./mvnw and ./robot: make JAVA_HOME point at a JDK 21 or newer.
# Order: JAVA_HOME, the java on PATH, then the newest JDK under /usr/lib/jvm (and a few other usual places).

adaptrobot_java_major() {
  # Prints the feature version (17, 21, 25, ...) of the JDK at $1, or nothing.
  local home=$1 v
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  v=${v#1.}
  printf '%s\n' "${v%%[.+-]*}"
}

adaptrobot_find_jdk() {
  local required=21 cand major best="" best_major=0 java_on_path
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(adaptrobot_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$required" ]; then return 0; fi
  fi
  java_on_path=$(command -v java 2>/dev/null || true)
  if [ -n "$java_on_path" ]; then
    cand=$(dirname "$(dirname "$(readlink -f "$java_on_path")")")
    major=$(adaptrobot_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge "$required" ]; then
      export JAVA_HOME=$cand
      return 0
    fi
  fi
  # ADAPTROBOT_JDK_DIRS (space-separated globs) replaces the usual places, for tests and odd set-ups.
  for cand in ${ADAPTROBOT_JDK_DIRS:-/usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home}; do
    [ -d "$cand" ] || continue
    major=$(adaptrobot_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge "$required" ] && [ "$major" -gt "$best_major" ]; then
      best=$cand
      best_major=$major
    fi
  done
  if [ -n "$best" ]; then
    export JAVA_HOME=$best
    return 0
  fi
  cat >&2 <<MSG
error: no JDK $required or newer was found.
  Looked at: JAVA_HOME (${JAVA_HOME:-unset}), java on PATH (${java_on_path:-none}),
             ${ADAPTROBOT_JDK_DIRS:-/usr/lib/jvm/*, /usr/java/*, /opt/java/*, ~/.sdkman}
  Install one, then run this command again:
    Debian 13 / Ubuntu 24.04 / Raspberry Pi OS (trixie):  sudo apt-get install openjdk-21-jdk-headless
    Debian 12 / Raspberry Pi OS (bookworm):               install Eclipse Temurin 21 from the Adoptium apt repository
  or point JAVA_HOME at an existing JDK 21+.
MSG
  return 1
}

adaptrobot_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
