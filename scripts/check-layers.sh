#!/usr/bin/env bash
# Checks that includes between the folders of src/ point down the layers
# declared in src/layers.txt: no folder includes one of a later layer, no two
# peers include each other, and every folder with code is declared. Prints
# each offending include as FILE:LINE and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/../src"

declare -A Rank
line=0
while read -r folders; do
  folders=${folders%%#*}
  [ -n "${folders// }" ] || continue
  line=$((line + 1))
  for folder in $folders; do Rank[$folder]=$line; done
done < layers.txt

# The declared folder a path belongs to: the longest declared prefix.
folder_of() {
  local path=$1 best=""
  for folder in "${!Rank[@]}"; do
    case "$path" in
      "$folder"/*) [ ${#folder} -gt ${#best} ] && best=$folder ;;
    esac
  done
  printf '%s' "$best"
}

status=0
while IFS= read -r file; do
  from=$(folder_of "$file")
  if [ -z "$from" ]; then
    echo "$file: its folder is not declared in src/layers.txt"
    status=1
    continue
  fi
  while IFS=: read -r number target; do
    [ -f "$target" ] || continue # a system or library header
    to=$(folder_of "$target")
    [ "$to" = "$from" ] && continue
    if [ -z "$to" ]; then
      echo "$file:$number: includes $target, whose folder is not declared"
      status=1
    elif [ "${Rank[$to]}" -gt "${Rank[$from]}" ]; then
      echo "$file:$number: $from includes $target of $to, a higher layer"
      status=1
    elif [ "${Rank[$to]}" -eq "${Rank[$from]}" ]; then
      echo "$file:$number: $from includes $target of its peer $to"
      status=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p;' "$file" |
           while read -r inc; do
             n=$(grep -n "#[[:space:]]*include[[:space:]]*\"$inc\"" "$file" | head -1 | cut -d: -f1)
             echo "$n:$inc"
           done)
done < <(find . -path '*/tests' -prune -o \( -name '*.h' -o -name '*.cpp' -o -name '*.def' \) -print | sed 's|^\./||' | sort)

[ $status -eq 0 ] && echo "layers: every include points down ($(grep -cv '^\s*\(#\|$\)' layers.txt) layers)"
exit $status
