#!/usr/bin/env bash
# Installs the Debian packages opencloud needs, only when something is missing
# (so `make install` on a ready machine makes no network call).
#   run:   python3 with venv (python3-venv on Debian)
#   tests: rsync, strace (benchmark syscall counts), attr (getfattr/setfattr for admins and tests)
set -euo pipefail
want=()
python3 -c 'import venv, ensurepip' 2>/dev/null || want+=(python3-venv)
for cmd in rsync:rsync strace:strace getfattr:attr; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || want+=("${cmd#*:}")
done
[ "${#want[@]}" -eq 0 ] && exit 0
echo "installing Debian packages: ${want[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${want[@]}"
