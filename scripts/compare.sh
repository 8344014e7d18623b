#!/usr/bin/env bash
# Times posture against the obvious alternatives on the same files, in one run:
# counting findings by severity over a Security Hub (ASFF) file and a Kubescape
# scan, with jq and with a plain Python json script. Prints seconds and ratios.
#
#   scripts/compare.sh [COUNT]      (default 200000 findings per file)
#
# Needs: a release build (built here), python3; jq if present (skipped otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-200000}"
RUNS="${RUNS:-3}"
cargo build --release --quiet
BIN=target/release/posture
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT

"$BIN" gen --format asff --count "$COUNT" --seed 1 --out "$DIR/asff.json"
"$BIN" gen --format kubescape --count "$COUNT" --seed 1 --out "$DIR/kubescape.json"

cat > "$DIR/count.py" <<'PY'
import collections, json, sys
doc = json.load(open(sys.argv[1]))
counts = collections.Counter()
if "Findings" in doc:
    for f in doc["Findings"]:
        counts[f.get("Severity", {}).get("Label", "UNKNOWN")] += 1
else:
    score = {c: v.get("scoreFactor", 0) for c, v in doc["summaryDetails"]["controls"].items()}
    for r in doc["results"]:
        for c in r["controls"]:
            if c["status"]["status"] == "failed":
                counts[score.get(c["controlID"], 0)] += 1
print(dict(counts))
PY

# Best of $RUNS wall-clock seconds for a command.
best() {
  local best=""
  for _ in $(seq "$RUNS"); do
    local s e t
    s=$(date +%s.%N)
    "$@" > /dev/null
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

printf '%-10s %10s %10s %10s %10s %12s %12s\n' file MB posture jq python "jq/posture" "py/posture"
for f in asff kubescape; do
  path="$DIR/$f.json"
  mb=$(du -m "$path" | cut -f1)
  p=$(best "$BIN" summary --format json --all --no-parse-cache --file "$path")
  if command -v jq >/dev/null; then
    if [ "$f" = asff ]; then
      j=$(best jq -c '[.Findings[].Severity.Label] | group_by(.) | map({(.[0]): length}) | add' "$path")
    else
      j=$(best jq -c '.summaryDetails.controls as $c | [.results[].controls[] | select(.status.status=="failed") | $c[.controlID].scoreFactor] | group_by(.) | map({(.[0]|tostring): length}) | add' "$path")
    fi
    jr=$(echo "$j / $p" | bc -l)
  else
    j="n/a"; jr="n/a"
  fi
  py=$(best python3 "$DIR/count.py" "$path")
  pr=$(echo "$py / $p" | bc -l)
  printf '%-10s %10s %10s %10s %10s %12s %12s\n' "$f" "$mb" "$p" "$j" "$py" \
    "$( [ "$jr" = n/a ] && echo n/a || printf '%.1fx' "$jr")" "$(printf '%.1fx' "$pr")"
done
echo "($COUNT findings per file, best of $RUNS runs; posture does the full parse, normalisation, routing and triage facts)"
