#!/usr/bin/env bash
# Prints the directory of Node.js <major> (bin/node, include/node), installed from the npm
# registry, so CI needs no download outside the registries:
#
#   dir=$(bash .ci/node.sh 24); export PATH="$dir/bin:$PATH" npm_config_nodedir="$dir"
#
# The registry's `node-linux-<arch>` package is the official release tarball: the binary and the
# headers node-gyp builds native addons (sqlite3, pkcs11js) against, which is what
# npm_config_nodedir points it at (it would otherwise fetch them from nodejs.org). The newest
# release of that major is taken; it is kept under .ci/.node/<major> (ignored by git) and reused.
set -euo pipefail
major=${1:?usage: node.sh <major>}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node.sh: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
prefix="$(cd "$(dirname "$0")" && pwd)/.node/$major"
dir="$prefix/node_modules/node-linux-$arch"
if [ ! -x "$dir/bin/node" ] || [ "$("$dir/bin/node" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "node-linux-$arch@$major" >&2
fi
echo "$dir"
