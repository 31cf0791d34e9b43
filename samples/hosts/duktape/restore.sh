#!/usr/bin/env bash
# Restores raw 8-bit pixels with a qmc ES5 artifact under Debian's Duktape (`duk`):
#   restore.sh MODEL.js WIDTH HEIGHT [CHANNELS] < in.raw > out.raw
# in.raw holds WIDTH x HEIGHT pixels of CHANNELS bytes (default 3, RGB), row by row; out.raw the
# restored image at the model's scale, same channels. Cap its memory with prlimit, e.g.
#   prlimit --as=$((32 * 1024 * 1024)) samples/hosts/duktape/restore.sh model.js 32 32 < in.raw > out.raw
set -euo pipefail
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: restore.sh MODEL.js WIDTH HEIGHT [CHANNELS] < in.raw > out.raw" >&2
  exit 2
fi
model=$1 width=$2 height=$3 channels=${4:-3}
for n in "$width" "$height" "$channels"; do
  case $n in '' | *[!0-9]*) echo "restore.sh: '$n' is not a positive integer" >&2; exit 2 ;; esac
done
here=$(dirname "$0")
{
  printf 'var QMC_INPUT = { width: %d, height: %d, channels: %d, base64: "' "$width" "$height" "$channels"
  base64 -w0
  printf '" };\n'
  cat "$here/host.js"
} | duk "$model" /dev/stdin | base64 -d
