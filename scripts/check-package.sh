#!/usr/bin/env bash
# Packs blockqnn, installs the tarball into an empty folder (with --global also globally under a private prefix),
# from the npm registry only (prefer-offline: the cache first), and runs it from there as a user would: --help, `worker --help`, a real
# short search to a finished run (table engine, the bundled NAS-Bench-201 table, local worker slots)
# and the dashboard answering its API. `npm run test:package`; .ci/run runs it after `npm test`.
#
#   scripts/check-package.sh            pack (prepack builds dist/ first), install, run
#   scripts/check-package.sh --no-build pack the dist/ already built (faster when it is fresh)
#   ... --global                         also npm install -g under a private prefix (installs everything
#                                        a second time: better-sqlite3 compiles again without a prebuilt binary)
#
# Needs Redis at REDIS_URL (default redis://127.0.0.1:6379); uses a key prefix of its own and
# deletes it at the end. Everything else lives in a temporary folder, removed at the end.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
prefix="bqpkg-$$-$RANDOM"
work="$(mktemp -d "${TMPDIR:-/tmp}/blockqnn-package-XXXXXX")"
dashboard_pid=""
cleanup() {
  [ -n "$dashboard_pid" ] && kill "$dashboard_pid" 2>/dev/null || true
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$redis_url" --scan --pattern "$prefix:*" | xargs -r redis-cli -u "$redis_url" del >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "pack"
pack_flags=(--pack-destination "$work" --silent)
global=0
for arg in "$@"; do
  case "$arg" in
    --no-build) pack_flags+=(--ignore-scripts) ;;
    --global) global=1 ;;
    *) echo "check-package: unknown option $arg (see the header of $0)" >&2; exit 2 ;;
  esac
done
tarball="$work/$(cd "$repo" && npm pack "${pack_flags[@]}" | tail -1)"
ls -l "$tarball"
contents="$(tar -tzf "$tarball")"
for needed in package/dist/cli/main.js package/dist/store/generated/sqlite/client.js package/dist/store/generated/postgresql/client.js \
  package/dashboard/dist/index.html package/data/nasbench201/cifar10.csv.gz package/data/nasbench201/README.md \
  package/prisma/migrations/sqlite/migration_lock.toml package/src/engines/torch/trainer.py package/src/datasets/dataset_cache.py; do
  grep -qx "$needed" <<<"$contents" || { echo "check-package: the tarball lacks $needed" >&2; exit 1; }
done
if grep -q '^package/test/\|\.test\.js$\|^package/src/.*\.ts$' <<<"$contents"; then
  echo "check-package: the tarball holds tests or TypeScript sources:" >&2
  grep '^package/test/\|\.test\.js$\|^package/src/.*\.ts$' <<<"$contents" | head >&2
  exit 1
fi

step "npm install ./$(basename "$tarball") in an empty folder (npm registry only)"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --prefer-offline --no-audit --no-fund "$tarball" 2>&1 | grep -v '^npm warn install-scripts' || true
test -x node_modules/.bin/blockqnn || { echo "check-package: npm install did not install the blockqnn command" >&2; exit 1; }

step "npx blockqnn --help, worker --help"
npx blockqnn --help >"$work/help.txt"
grep -q 'search' "$work/help.txt"
npx blockqnn worker --help | grep -q -- '--engine'
if npx blockqnn --help 2>&1 | grep -q 'npm warn'; then echo "check-package: npx printed an npm warning" >&2; exit 1; fi

step "a real short search from the install (table engine, bundled table)"
npx blockqnn search --engine table --budget 6 --workers 1 --db "file:$work/app/runs.db" --redis "$redis_url" --prefix "$prefix" --json >"$work/search.json"
node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const status = s.run?.status ?? s.status;
  const ok = s.counts?.ok;
  if (status !== "finished" || ok !== 6) { console.error("check-package: the search ended " + status + " with " + ok + " of 6 ok"); process.exit(1); }
  console.log("search finished:", JSON.stringify(s.counts ?? s.run?.counts ?? {}));
' "$work/search.json"
npx blockqnn runs --db "file:$work/app/runs.db"

step "the dashboard from the install"
npx blockqnn dashboard --port 0 --db "file:$work/app/runs.db" --redis "$redis_url" --prefix "$prefix" 2>"$work/dashboard.log" &
dashboard_pid=$!
url=""
for _ in $(seq 1 120); do
  url="$(grep -o 'http://[0-9.:]*' "$work/dashboard.log" | head -1 || true)"
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "$url" ] || { echo "check-package: the dashboard did not start:" >&2; cat "$work/dashboard.log" >&2; exit 1; }
node -e 'fetch(process.argv[1] + "/api/runs").then(async (r) => { const b = await r.json(); if (!r.ok || !Array.isArray(b.runs) || b.runs.length !== 1) { console.error("check-package: /api/runs answered", r.status, JSON.stringify(b)); process.exit(1); } console.log("dashboard", process.argv[1], "lists", b.runs.length, "run"); })' "$url"
kill "$dashboard_pid"
dashboard_pid=""

if [ "$global" = 1 ]; then
step "npm install -g (under a private prefix)"
npm install -g --prefix "$work/global" --prefer-offline --no-audit --no-fund "$tarball" 2>&1 | grep -v '^npm warn install-scripts' || true
"$work/global/bin/blockqnn" --help | grep -q 'search'
fi

step "ok: packed, installed and ran from $(basename "$tarball")"
