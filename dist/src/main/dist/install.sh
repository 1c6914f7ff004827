#!/usr/bin/env bash
# Installs the robot runtime from this extracted archive on a Raspberry Pi running Raspberry Pi OS
# 64-bit, as root. Idempotent: running it again changes nothing that is already right, and it never
# overwrites the robot's configuration in /etc/robot.
#
#   sudo ./install.sh              check the Pi, install Java if needed, enable I2C, create the user
#                                  'robot', install under /opt/robot, install and enable the service,
#                                  run the self-test
#   ./install.sh --dry-run         print every step without doing anything
#   ./install.sh --root DIR        install the files into DIR as if it were / (an image being prepared,
#                                  a test); package installation, systemctl and the self-test are
#                                  printed, not run
#   --force                        go on when this is not a 64-bit Raspberry Pi
#   --no-selftest                  do not run 'robot selftest' at the end
set -euo pipefail

SRC=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
DRY=0
ROOT=""
FORCE=0
SELFTEST=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --root) ROOT=$(readlink -f "${2:?--root needs a directory}"); shift ;;
    --force) FORCE=1 ;;
    --no-selftest) SELFTEST=0 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

VERSION=$(cat "$SRC/VERSION" 2>/dev/null || echo unknown)
PREFIX=/opt/robot
STAGED=$([ -n "$ROOT" ] && echo 1 || echo 0)

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
# A change to the machine: printed, and done unless --dry-run.
do_() {
  say "  + $*"
  if [ "$DRY" = 0 ]; then "$@"; fi
}
# A system command (packages, services, users): under --root only printed.
sys_() {
  if [ "$STAGED" = 1 ]; then say "  (not run under --root) $*"; else do_ "$@"; fi
}
ensure_dir() { [ -d "$1" ] || do_ mkdir -p "$1"; }
warn() { printf '  WARNING: %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

if [ "$DRY" = 0 ] && [ "$STAGED" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo ./install.sh), or see what it would do with --dry-run"
fi
say "Installing robot $VERSION from $SRC into ${ROOT:-/}$([ "$DRY" = 1 ] && echo ' (dry run: nothing is changed)')"

step "1. this machine"
ARCH=${ROBOT_UNAME_M:-$(uname -m)}
MODEL=""
if [ -r "$ROOT/proc/device-tree/model" ]; then
  MODEL=$(tr -d '\0' < "$ROOT/proc/device-tree/model")
fi
say "  architecture $ARCH; board ${MODEL:-unknown (no /proc/device-tree/model)}"
if [ "$ARCH" != aarch64 ]; then
  if [ "$ARCH" = armv7l ] || [ "$ARCH" = armv6l ]; then
    warn "a 32-bit OS: ONNX Runtime ships no 32-bit ARM library; install Raspberry Pi OS 64-bit"
  fi
  [ "$FORCE" = 1 ] || die "this archive is for 64-bit ARM (aarch64), this is $ARCH (--force to go on)"
  warn "not aarch64: going on because of --force"
fi
case "$MODEL" in
  *"Raspberry Pi"*) ;;
  *) [ "$FORCE" = 1 ] || die "not a Raspberry Pi (board '${MODEL:-unknown}'; --force to go on)"
     warn "not a Raspberry Pi: going on because of --force" ;;
esac
JAVA_WORKAROUND=""
case "$MODEL" in
  *"Pi 3"*|*"Zero 2"*|*"Compute Module 3"*)
    warn "this board's Cortex-A53 cores miscompute the JIT's vectorized hashCode intrinsic in some"
    warn "Java 21-24 builds (JDK-8353237: wrong results, crashes). Applying the documented"
    warn "workaround: -XX:+UnlockDiagnosticVMOptions -XX:-UseVectorizedHashCodeIntrinsic"
    JAVA_WORKAROUND="-XX:+UnlockDiagnosticVMOptions -XX:-UseVectorizedHashCodeIntrinsic" ;;
esac

step "2. Java 21 or newer"
java_major() {
  local v
  v=$("$1" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  v=${v#1.}
  printf '%s\n' "${v%%[.+-]*}"
}
JAVA_OK=""
HOST_JAVA=""
[ "$STAGED" = 1 ] || HOST_JAVA=$(command -v java 2>/dev/null || true)
for j in "$ROOT"/usr/lib/jvm/*/bin/java $HOST_JAVA; do
  [ -x "$j" ] || continue
  m=$(java_major "$j")
  if [ -n "$m" ] && [ "$m" -ge 21 ]; then JAVA_OK="$j (Java $m)"; break; fi
done
if [ -n "$JAVA_OK" ]; then
  say "  found $JAVA_OK"
else
  # Raspberry Pi OS 13 (trixie) and Debian 13 package openjdk-21-jre-headless; Raspberry Pi OS 12
  # (bookworm) packages only Java 17.
  PKG=""
  for p in openjdk-25-jre-headless openjdk-21-jre-headless; do
    if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then PKG=$p; break; fi
  done
  if [ -z "$PKG" ] && [ "$STAGED" = 0 ] && [ "$DRY" = 0 ]; then
    die "no Java 21+ installed and none packaged here (Raspberry Pi OS 12 'bookworm' has only Java 17):
  upgrade to Raspberry Pi OS 13 'trixie' (openjdk-21-jre-headless), or install Eclipse Temurin 21
  from Adoptium's apt repository, then run install.sh again"
  fi
  sys_ apt-get install -y --no-install-recommends "${PKG:-openjdk-21-jre-headless}"
fi

step "3. I2C"
if command -v raspi-config >/dev/null 2>&1 && [ "$STAGED" = 0 ]; then
  sys_ raspi-config nonint do_i2c 0
else
  CONFIG_TXT="$ROOT/boot/firmware/config.txt"
  [ -f "$CONFIG_TXT" ] || CONFIG_TXT="$ROOT/boot/config.txt"
  if [ -f "$CONFIG_TXT" ] && grep -q '^dtparam=i2c_arm=on' "$CONFIG_TXT"; then
    say "  already on in $CONFIG_TXT"
  elif [ -f "$CONFIG_TXT" ]; then
    say "  + echo dtparam=i2c_arm=on >> $CONFIG_TXT   (takes effect after a reboot)"
    [ "$DRY" = 1 ] || echo 'dtparam=i2c_arm=on' >> "$CONFIG_TXT"
  else
    say "  no config.txt under ${ROOT:-/}boot: enable I2C with raspi-config on the Pi"
  fi
  if [ ! -f "$ROOT/etc/modules-load.d/robot-i2c.conf" ]; then
    ensure_dir "$ROOT/etc/modules-load.d"
    say "  + echo i2c-dev > $ROOT/etc/modules-load.d/robot-i2c.conf"
    [ "$DRY" = 1 ] || echo i2c-dev > "$ROOT/etc/modules-load.d/robot-i2c.conf"
  fi
fi

step "4. the service user 'robot' (groups gpio, i2c)"
if [ "$STAGED" = 0 ] && id robot >/dev/null 2>&1; then
  say "  exists"
else
  sys_ useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin robot
fi
for g in gpio i2c; do
  if [ "$STAGED" = 1 ] || getent group "$g" >/dev/null 2>&1; then
    sys_ usermod -a -G "$g" robot
  else
    warn "no group '$g' on this system: the service may not reach the ${g^^} devices"
  fi
done

step "5. program files in $PREFIX-$VERSION, $PREFIX pointing at it"
TARGET="$ROOT$PREFIX-$VERSION"
if [ "$SRC" = "$TARGET" ]; then
  say "  running from $TARGET already"
else
  ensure_dir "$TARGET"
  for d in bin lib bundles share systemd; do
    # (lib/robot.jsa is a class-data archive this machine's runs wrote: not part of the install)
    if [ -d "$TARGET/$d" ] && diff -rq -x robot.jsa "$SRC/$d" "$TARGET/$d" >/dev/null 2>&1; then
      say "  $d/ up to date"
      continue
    fi
    do_ rm -rf "$TARGET/$d.new"
    do_ cp -R "$SRC/$d" "$TARGET/$d.new"
    [ "$DRY" = 1 ] || rm -f "$TARGET/$d.new/robot.jsa"
    do_ rm -rf "$TARGET/$d"
    do_ mv "$TARGET/$d.new" "$TARGET/$d"
  done
  for f in install.sh uninstall.sh README-pi.md VERSION; do
    cmp -s "$SRC/$f" "$TARGET/$f" || do_ cp "$SRC/$f" "$TARGET/$f"
  done
fi
if [ "$(readlink "$ROOT$PREFIX" 2>/dev/null || true)" != "$PREFIX-$VERSION" ]; then
  do_ ln -sfn "$PREFIX-$VERSION" "$ROOT$PREFIX.new"
  do_ mv -T "$ROOT$PREFIX.new" "$ROOT$PREFIX"
else
  say "  $PREFIX -> $PREFIX-$VERSION already"
fi
if [ "$(readlink "$ROOT/usr/local/bin/robot" 2>/dev/null || true)" != "$PREFIX/bin/robot" ]; then
  ensure_dir "$ROOT/usr/local/bin"
  do_ ln -sfn "$PREFIX/bin/robot" "$ROOT/usr/local/bin/robot.new"
  do_ mv -T "$ROOT/usr/local/bin/robot.new" "$ROOT/usr/local/bin/robot"
fi

step "6. configuration in /etc/robot (kept when present)"
ensure_dir "$ROOT/etc/robot"
if [ -f "$ROOT/etc/robot/diffbot-hardware.yaml" ]; then
  say "  /etc/robot/diffbot-hardware.yaml kept"
else
  do_ cp "$SRC/share/examples/diffbot-hardware.yaml" "$ROOT/etc/robot/diffbot-hardware.yaml"
fi
if [ -f "$ROOT/etc/robot/robot.yaml" ]; then
  say "  /etc/robot/robot.yaml kept"
else
  say "  + write $ROOT/etc/robot/robot.yaml from share/examples/diffbot-sim.yaml (bundle under $PREFIX)"
  if [ "$DRY" = 0 ]; then
    sed -e "s|^bundle: [^ ]*|bundle: $PREFIX/bundles/tracking-integral|" \
        -e "s|^# bundles: \[[^]]*\]|bundles: [$PREFIX/bundles]|" \
        "$SRC/share/examples/diffbot-sim.yaml" > "$ROOT/etc/robot/robot.yaml"
  fi
fi
DEFAULTS="$ROOT/etc/default/robot"
if [ -n "$JAVA_WORKAROUND" ] && ! grep -qs -- "-XX:-UseVectorizedHashCodeIntrinsic" "$DEFAULTS"; then
  ensure_dir "$ROOT/etc/default"
  say "  + add the Cortex-A53 workaround to $DEFAULTS"
  if [ "$DRY" = 0 ]; then
    {
      echo "# Cortex-A53 (Pi 3, Zero 2): JDK-8353237, see install.sh"
      echo "ROBOT_JAVA_OPTS=\"-XX:+UseSerialGC -Xms96m -Xmx96m -XX:-UsePerfData -Xss512k $JAVA_WORKAROUND\""
    } >> "$DEFAULTS"
  fi
fi

step "7. the systemd service"
UNIT="$ROOT/etc/systemd/system/robot.service"
if cmp -s "$SRC/systemd/robot.service" "$UNIT"; then
  say "  $UNIT up to date"
else
  ensure_dir "$ROOT/etc/systemd/system"
  do_ cp "$SRC/systemd/robot.service" "$UNIT"
  sys_ systemctl daemon-reload
fi
sys_ systemctl enable robot.service

step "8. self-test"
if [ "$SELFTEST" = 0 ]; then
  say "  skipped (--no-selftest)"
elif [ "$STAGED" = 1 ]; then
  say "  (not run under --root) runuser -u robot -- $PREFIX/bin/robot selftest --config /etc/robot/robot.yaml"
else
  sys_ runuser -u robot -- env ROBOT_JAVA_OPTS="$JAVA_WORKAROUND" \
    "$PREFIX/bin/robot" selftest --config /etc/robot/robot.yaml
fi

cat <<NEXT

Done$([ "$DRY" = 1 ] && echo ' (dry run: nothing was changed)'). Next:
  1. describe your robot in /etc/robot/diffbot-hardware.yaml and /etc/robot/robot.yaml
  2. check the wiring, moving nothing:   robot doctor --config /etc/robot/diffbot-hardware.yaml
  3. start it now (it starts at boot):   sudo systemctl start robot
     watch it:                           journalctl -u robot -f
  4. stop it (the motors stop first):    sudo systemctl stop robot
NEXT
