#!/usr/bin/env bash
# Install the Debian packages the tests use: chromium (driven by Playwright; no browser download), cron (crontab)
# and postgresql (MLflow's backend store in the fan-out tests and bench; tests/support/postgres.py).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v crontab >/dev/null 2>&1 || missing+=(cron)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "Installing Debian packages for the tests: ${missing[*]} (apt)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
