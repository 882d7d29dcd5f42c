#!/usr/bin/env bash
# Fails if any tracked C++ file differs from what .clang-format makes of it.
# Fix with: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp')
if ! clang-format --dry-run --Werror $files; then
  echo "check-format: the files above are not formatted as .clang-format says" >&2
  exit 1
fi
echo "check-format: $(echo "$files" | wc -l) files formatted as .clang-format says"
