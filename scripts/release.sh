#!/usr/bin/env bash
# One command for a release: the offline source bundle, a binary built FROM that bundle with no
# network and an empty CARGO_HOME (so the bundle is proven by the build that makes the
# package), the .deb, and SHA256SUMS.
#
#   scripts/release.sh [OUT_DIR]            default OUT_DIR: target/release-artifacts
#   scripts/release.sh OUT_DIR --binary B   package B instead of building from the bundle
#
# Reproducible: same checkout, Cargo.lock and SOURCE_DATE_EPOCH (default: the last commit's
# time) give the same bundle bytes. The .deb's files and metadata are the same too; its
# binary is the same when built by the same toolchain (paths are remapped, so the build
# directory does not leak in).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/release-artifacts}"
binary=""
if [ "${2:-}" = --binary ]; then binary="$(realpath "${3:?--binary needs a file}")"; fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"

echo "== source bundle"
bundle="$(scripts/bundle.sh "$out")"
echo "   $bundle ($(du -h "$bundle" | cut -f1))"
if [ -z "$binary" ]; then
    echo "== offline release build from the bundle (empty CARGO_HOME, CARGO_NET_OFFLINE=true)"
    binary="$(scripts/build-bundle.sh "$bundle" "$out/build")"
fi
echo "== Debian package"
deb="$(scripts/deb.sh "$binary" "$out")"
echo "   $deb ($(du -h "$deb" | cut -f1))"
(cd "$out" && sha256sum "$(basename "$deb")" "$(basename "$bundle")" > SHA256SUMS)
echo "== $out/SHA256SUMS"
cat "$out/SHA256SUMS"
