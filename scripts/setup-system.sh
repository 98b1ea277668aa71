#!/usr/bin/env bash
# Installs the system packages the test suite needs on Debian or Ubuntu (run as root, or with sudo).
# `npm test` checks for them first (scripts/preflight.mjs) and names this script when any is missing;
# .ci/run calls it on a fresh machine. Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, trust
# auth) must also be running: `redis-server` comes with the packages below; PostgreSQL with
# `apt-get install postgresql` (see README "Tests").
#
# What each package is for: dataset-fashion-mnist (Fashion-MNIST IDX files); redis-server (the tests
# that start a private one); chromium (the dashboard's browser tests); python3-torch and python3-numpy
# (the torch engine); faketime (the clock-skew fault test); python3-optuna (the pruner comparisons).
set -euo pipefail
packages=(dataset-fashion-mnist redis-server chromium python3-torch python3-numpy faketime python3-optuna)
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all ${#packages[@]} packages are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system: installing ${missing[*]} needs root: sudo $0" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
