#!/usr/bin/env bash
# Installs what `make bench` compares us with, only when something is missing
# (so a second `make bench` makes no network call):
#   Debian: nginx with the dav_ext module (PROPFIND), rclone (`rclone serve webdav`),
#           wrk (the load generator for the many-small-requests rows)
#   venv:   the `bench` extra (wsgidav on cheroot, granian) into .venv
# Usage: scripts/install-bench-deps.sh [VENV]   (default .venv)
set -euo pipefail
venv="${1:-.venv}"

want=()
{ [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; } || want+=(nginx)
[ -e /usr/share/nginx/modules-available/mod-http-dav-ext.conf ] \
  || [ -e /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] \
  || want+=(libnginx-mod-http-dav-ext)
command -v rclone >/dev/null 2>&1 || want+=(rclone)
command -v wrk >/dev/null 2>&1 || want+=(wrk)
command -v taskset >/dev/null 2>&1 || want+=(util-linux)
if [ "${#want[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${want[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # The nginx package would start a system nginx on port 80; the benchmark runs its own.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
  fi
  status=0
  $sudo apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${want[@]}" \
    || status=$?
  [ -z "$policy" ] || $sudo rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
fi

if ! "$venv/bin/python" -c 'import wsgidav, cheroot, granian' 2>/dev/null; then
  echo "installing the bench extra into $venv"
  "$venv/bin/python" -m pip install -q -e '.[bench]'
fi
