#!/usr/bin/env bash
# The tables and figures tools on a copy of the committed results/ tree
# (issue 11): both succeed, say which JSON files they skipped, the tables
# mention every committed experiment and equal analysis/tables/tables.md,
# and every figure renders.
# Usage: tools_on_committed_results_test.sh TABLES FIGURES PAPER_JSON TABLES_MD RESULTS_README
set -uo pipefail
tables="$1" figures="$2" paper="$3" committed_md="$4"
results="$(dirname "$5")"
fail() { echo "FAIL: $*" >&2; exit 1; }

out="$TEST_TMPDIR/tables"
"$tables" --results="$results" --paper="$paper" --out="$out" \
  > "$TEST_TMPDIR/tables.stdout" 2> "$TEST_TMPDIR/tables.stderr" ||
  fail "tables failed: $(cat "$TEST_TMPDIR/tables.stderr")"
cat "$TEST_TMPDIR/tables.stderr"
# Speed reports are not result files: skipped, named.
if ls "$results"/benchmarks/*.json > /dev/null 2>&1; then
  grep -q "skipped .*benchmarks/train_step_110.json" "$TEST_TMPDIR/tables.stderr" ||
    fail "the skipped speed report is not named"
fi

# Every committed experiment appears in the tables.
experiments=$(cd "$results" && find . -mindepth 3 -maxdepth 3 -name '*_seed*.json' |
  cut -d/ -f2 | sort -u)
[ -n "$experiments" ] || fail "no committed result files found under $results"
for experiment in $experiments; do
  grep -q "^| $experiment |" "$out/tables.md" || fail "tables.md does not mention $experiment"
done

# The committed tables are exactly what the committed results give.
diff -u "$committed_md" "$out/tables.md" ||
  fail "analysis/tables/tables.md is stale: bazel run //analysis:tables -- --out=analysis/tables"

# Every figure renders (SVG and PNG, non-empty).
"$figures" --results="$results" --paper="$paper" --out="$TEST_TMPDIR/figures" \
  > "$TEST_TMPDIR/figures.stdout" 2>&1 || fail "figures failed: $(cat "$TEST_TMPDIR/figures.stdout")"
for stem in fig2_survival fig3_cifar10 fig3_cifar100 fig4_svhn fig4_1202 fig5_depth \
    fig7_gradient fig8_left fig8_right training_time; do
  for ext in svg png; do
    [ -s "$TEST_TMPDIR/figures/$stem.$ext" ] || fail "figure $stem.$ext was not rendered"
  done
done
echo "tables and figures work on the committed results"
