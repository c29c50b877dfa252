#!/usr/bin/env bash
# Makes sure kcat is on the PATH: the SIEM end-to-end test reads the audit topic with it, as a
# SIEM pipeline would. Installs it with apt when it is missing and this runs as root; otherwise
# says how to install it and fails, rather than letting that test fail on a missing binary.
set -euo pipefail

if command -v kcat >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[kcat] installing kcat with apt" >&2
  apt-get update -qq
  apt-get install -y -qq kcat
  exit 0
fi
echo "[kcat] kcat is missing: install it (Debian/Ubuntu: sudo apt-get install -y kcat;" \
  "macOS: brew install kcat), then run the tests again" >&2
exit 1
