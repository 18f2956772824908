#!/usr/bin/env bash
# The e-mail channel's tests talk to a real IMAP server: Dovecot, started by the
# tests as a private instance (own config and mail folders in a temporary directory,
# a free localhost port, no system service). Install its binaries from the system
# packages when they are missing and we are allowed to (root, apt). Otherwise say so:
# those tests then skip locally and fail in CI (CI=true).
set -u
for candidate in dovecot /usr/sbin/dovecot; do
  command -v "$candidate" >/dev/null 2>&1 && exit 0
done
install() {
  "$@" apt-get update -qq \
    && "$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      dovecot-imapd >/dev/null
}
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Dovecot (IMAP) from the system packages…"
    # the package starts a system-wide service; the tests never use it: stop it again
    install && { command -v systemctl >/dev/null 2>&1 && systemctl disable --now dovecot >/dev/null 2>&1; exit 0; }
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    install sudo && { command -v systemctl >/dev/null 2>&1 && sudo systemctl disable --now dovecot >/dev/null 2>&1; exit 0; }
  fi
fi
echo "Dovecot is not installed and could not be installed: the IMAP tests will skip (fail under CI)." >&2
exit 0
