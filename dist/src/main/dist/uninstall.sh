#!/usr/bin/env bash
# Removes what install.sh installed: stops and disables the service (the motors stop first), removes
# the unit, /opt/robot and the versions it pointed at, and /usr/local/bin/robot. Keeps the robot's
# configuration in /etc/robot and the user 'robot' unless --purge.
#   sudo ./uninstall.sh [--purge] [--dry-run] [--root DIR]
set -euo pipefail
DRY=0
ROOT=""
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --root) ROOT=$(readlink -f "${2:?--root needs a directory}"); shift ;;
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
STAGED=$([ -n "$ROOT" ] && echo 1 || echo 0)
do_() { printf '  + %s\n' "$*"; if [ "$DRY" = 0 ]; then "$@"; fi; }
sys_() { if [ "$STAGED" = 1 ]; then printf '  (not run under --root) %s\n' "$*"; else do_ "$@"; fi; }
if [ "$DRY" = 0 ] && [ "$STAGED" = 0 ] && [ "$(id -u)" != 0 ]; then
  echo "uninstall.sh: run as root (sudo ./uninstall.sh), or see what it would do with --dry-run" >&2
  exit 1
fi
if [ -f "$ROOT/etc/systemd/system/robot.service" ]; then
  sys_ systemctl disable --now robot.service
  do_ rm -f "$ROOT/etc/systemd/system/robot.service"
  sys_ systemctl daemon-reload
fi
for p in "$ROOT"/opt/robot-*; do
  [ -e "$p" ] && do_ rm -rf "$p"
done
[ -L "$ROOT/opt/robot" ] && do_ rm -f "$ROOT/opt/robot"
[ -L "$ROOT/usr/local/bin/robot" ] && do_ rm -f "$ROOT/usr/local/bin/robot"
do_ rm -f "$ROOT/etc/modules-load.d/robot-i2c.conf"
if [ "$PURGE" = 1 ]; then
  do_ rm -rf "$ROOT/etc/robot" "$ROOT/etc/default/robot" "$ROOT/var/cache/robot"
  sys_ userdel robot
else
  echo "  kept: /etc/robot (the robot's configuration) and the user 'robot' (--purge removes them)"
fi
echo "robot uninstalled$([ "$DRY" = 1 ] && echo ' (dry run: nothing was changed)')"
