#!/usr/bin/env bash
# Writes slumber's man pages from their one source each, so that they never
# drift: slumber(1) and slumberd(8) from the programs' own --help (help2man),
# every verb's help included; slumber.toml(5) from docs/config.md (go-md2man).
#   packaging/man.sh SLUMBER_BINARY SOURCE_DIR OUTPUT_DIR VERSION
set -euo pipefail
slumber=$1 source=$2 out=$3 version=$4
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# roff: a backslash is \e, and a line starting with . or ' would be a request.
roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

# The verbs, as --help lists them under "Subcommands:", and theirs in turn.
subcommands() {
  "$slumber" "$@" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'
}
verb_help() {
  local -a verb=("$@")
  printf '.SS "slumber %s"\n.nf\n' "${verb[*]}"
  "$slumber" "${verb[@]}" --help | roff
  printf '.fi\n'
  local sub
  for sub in $(subcommands "${verb[@]}"); do verb_help "${verb[@]}" "$sub"; done
}
{
  echo '[COMMANDS]'
  for verb in $(subcommands); do verb_help "$verb"; done
} > "$work/commands.h2m"

help2man --no-info --section 1 --version-string "$version" \
  --name "lights-out power management for Slurm clusters" \
  --include "$source/packaging/slumber.1.h2m" --include "$work/commands.h2m" \
  --output "$out/slumber.1" "$slumber"

ln -s "$(realpath "$slumber")" "$work/slumberd"
help2man --no-info --section 8 --version-string "$version" \
  --name "slumber's daemon: carries out Slurm's power saving requests, follows boots, recovers nodes" \
  --include "$source/packaging/slumberd.8.h2m" \
  --output "$out/slumberd.8" "$work/slumberd"

# Markdown tables as definition lists (go-md2man's .TP): each row's first
# cell is the term; the others follow as "header: cell", the last column
# (what the row means) as plain text. Empty cells are left out.
tables_as_lists() {
  awk -F'|' '
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    function cells(line, out,    n, i) {
      n = split(line, raw, "|")
      # A row starts and ends with "|": raw[1] and raw[n] are empty.
      for (i = 2; i < n; i++) out[i - 1] = trim(raw[i])
      return n - 2
    }
    /^\|/ && !intable { columns = cells($0, header); intable = 1; next }
    /^\|[-| :]*$/ && intable == 1 { intable = 2; next }
    /^\|/ && intable == 2 {
      cells($0, row)
      text = ""
      for (i = 2; i < columns; i++) {
        if (row[i] == "") continue
        text = text (text == "" ? "" : "; ") header[i] ": " row[i]
      }
      last = row[columns]
      if (last != "") text = text (text == "" ? "" : " — ") last
      printf "%s\n: %s\n\n", row[1], text
      next
    }
    { intable = 0; print }
  '
}

{
  printf '%% SLUMBER.TOML 5 "" "slumber %s" "File Formats"\n\n' "$version"
  printf '# NAME\n\nslumber.toml - configuration of slumber, lights-out power management for Slurm\n\n'
  # docs/config.md's own title becomes DESCRIPTION; its sections follow, each
  # table as a list (a table as wide as docs/config.md's does not fit in 80
  # columns: groff 1.23 warns, and lintian with it).
  sed -e '1s/^# .*/# DESCRIPTION/' "$source/docs/config.md" | tables_as_lists
  printf '\n# SEE ALSO\n\nslumber(1), slumberd(8), slurm.conf(5)\n'
} > "$work/slumber.toml.5.md"
go-md2man -in "$work/slumber.toml.5.md" -out "$out/slumber.toml.5"
