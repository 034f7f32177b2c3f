#!/usr/bin/env bash
# Installs the third-party WebDAV/sync clients the tests in tests/clients/ drive
# (litmus, owncloudcmd, nextcloudcmd, rclone, davfs2, cadaver), only the ones
# missing, so on a ready machine it makes no network call. Idempotent.
set -euo pipefail
want=()
for cmd in litmus:litmus owncloudcmd:owncloud-client-cmd nextcloudcmd:nextcloud-desktop-cmd \
           rclone:rclone mount.davfs:davfs2 cadaver:cadaver; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${cmd%%:*}" ] \
    || [ -x "/sbin/${cmd%%:*}" ] || want+=("${cmd#*:}")
done
[ "${#want[@]}" -eq 0 ] && exit 0
echo "installing Debian packages (test clients): ${want[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# davfs2 asks (debconf) whether unprivileged users may mount; the tests mount as root.
echo "davfs2 davfs2/suid_file boolean false" | $sudo debconf-set-selections 2>/dev/null || true
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${want[@]}"
