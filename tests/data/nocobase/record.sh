#!/usr/bin/env bash
# Records the real answers the classifier unit tests replay (tests/unit/nocobase_readiness_test.cpp).
# Usage: record.sh PORT OUTDIR SECONDS  -- polls health + getInfo every 0.1 s, keeps every distinct answer
# as OUTDIR/<n>-<endpoint>.txt: first line "STATUS CONTENT-TYPE", then the body.
set -euo pipefail
port=$1 out=$2 secs=$3
mkdir -p "$out"
declare -A seen
n=0
end=$((SECONDS + secs))
while [ $SECONDS -lt $end ]; do
  for ep in __health_check app:getInfo; do
    r=$(curl -s -m 2 -w '\n%{http_code} %{content_type}' "http://127.0.0.1:$port/api/$ep" || true)
    body=${r%$'\n'*}; meta=${r##*$'\n'}
    key="$ep|$meta|$(printf '%s' "$body" | sed -E 's/[0-9]+\/[0-9]+/N\/N/g')"
    if [ -z "${seen[$key]:-}" ]; then
      seen[$key]=1; n=$((n + 1))
      printf '%s\n%s' "$meta" "$body" > "$out/$(printf %03d $n)-${ep//[:_]/}.txt"
    fi
  done
  sleep 0.1
done
