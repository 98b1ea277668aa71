#!/bin/sh
# The final trainings of `blockqnn bench claim --emit-jobs DIR` on a GPU host without Node or Redis
# (bench/gpu/claim.py says how). Needs python3 with torch and numpy.
#
#   bench/gpu/claim.sh DIR --out results.json [--slots 4]
#   blockqnn bench claim --scale gpu --db DB --import-results results.json   # back where the jobs were written
set -eu
cd "$(dirname "$0")/../.."
for candidate in "${BLOCKQNN_PYTHON:-}" python3 /usr/bin/python3; do
  if [ -n "$candidate" ] && "$candidate" -c 'import torch, numpy' 2>/dev/null; then
    exec "$candidate" -B bench/gpu/claim.py "$@"
  fi
done
echo "bench/gpu/claim.sh: no python3 with torch and numpy found (tried \$BLOCKQNN_PYTHON, python3, /usr/bin/python3)" >&2
exit 2
