#!/usr/bin/env bash
# Formats the sources: clang-format (Google style, .clang-format) on every
# C++ file git tracks, buildifier on every BUILD, .bzl and WORKSPACE file.
#
#   tools/format.sh           rewrite files in place
#   tools/format.sh --check   change nothing; list unformatted files, exit 1
#                             if there are any (CI runs this)
#
# buildifier comes from the npm registry (@bazel/buildifier, which ships
# the Linux binary), fetched once by tools/setup.sh into tools/.cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "format.sh: unknown argument '$1' (known: --check)" >&2; exit 2 ;;
esac

buildifier=tools/.cache/buildifier
for tool in clang-format "$buildifier"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || {
    echo "format.sh: $tool not found: run tools/setup.sh" >&2; exit 1; }
done

mapfile -t cc_files < <(git ls-files '*.cc' '*.h')
mapfile -t bazel_files < <(git ls-files 'WORKSPACE' '*BUILD' '*.BUILD' '*.bzl')

if [ "$check" -eq 0 ]; then
  clang-format -i "${cc_files[@]}"
  "$buildifier" "${bazel_files[@]}"
  exit 0
fi

unformatted=()
for f in "${cc_files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if ! "$buildifier" --mode=check "${bazel_files[@]}" > /tmp/sdbench-buildifier.$$ 2>&1; then
  while read -r f _; do unformatted+=("$f"); done < /tmp/sdbench-buildifier.$$
fi
rm -f /tmp/sdbench-buildifier.$$
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "format.sh: ${#unformatted[@]} file(s) not formatted (run tools/format.sh):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "format.sh: ${#cc_files[@]} C++ and ${#bazel_files[@]} Bazel files formatted"
