#!/usr/bin/env bash
# Builds Kasefet from the offline source bundle the way an office without network would: an
# empty CARGO_HOME, CARGO_NET_OFFLINE=true, `cargo build --release --offline --frozen`.
#
#   scripts/build-bundle.sh kasefet-VERSION-src.tar.gz WORK_DIR     prints the binary's path
#
# Panic and debug paths are remapped, so the binary does not depend on WORK_DIR.
set -euo pipefail
tarball="$(realpath "${1:?usage: scripts/build-bundle.sh TARBALL WORK_DIR}")"
work="$(mkdir -p "${2:?usage: scripts/build-bundle.sh TARBALL WORK_DIR}" && cd "$2" && pwd)"
name="$(basename "$tarball" .tar.gz)"
rm -rf "${work:?}/$name" "$work/cargo-home"
mkdir -p "$work/cargo-home"
tar -C "$work" -xzf "$tarball"
cd "$work/$name"
start=$(date +%s)
env CARGO_HOME="$work/cargo-home" CARGO_NET_OFFLINE=true CARGO_TARGET_DIR="$work/$name/target" \
    RUSTFLAGS="--remap-path-prefix=$work/$name=/build/$name --remap-path-prefix=$work/cargo-home=/cargo" \
    cargo "${KASEFET_BUNDLE_CARGO:-build}" --release --offline --frozen --quiet
echo "build-bundle: offline release ${KASEFET_BUNDLE_CARGO:-build} took $(( $(date +%s) - start )) s" >&2
# Nothing reached a registry: an empty CARGO_HOME stays without a registry index.
if [ -d "$work/cargo-home/registry" ]; then
    echo "build-bundle: cargo wrote a registry into the empty CARGO_HOME" >&2
    exit 1
fi
echo "$work/$name/target/release/kasefet"
