#!/usr/bin/env bash
# Makes the offline source bundle: kasefet-VERSION-src.tar.gz with every crate vendored and the
# .cargo/config.toml that points cargo at them, so that on a machine whose cargo has never seen
# a registry `cargo build --release --offline --frozen` works.
#
#   scripts/bundle.sh OUT_DIR          prints the path of the tarball
#
# Reproducible: the same checkout and Cargo.lock give the same bytes. The files are the tracked
# files of the checkout as they are on disk, plus vendor/; names sorted, every mtime set to
# SOURCE_DATE_EPOCH (default: the last commit's time), owner 0:0, modes normalised, gzip -n.
# cargo vendor reads crates from the local cargo cache when CARGO_NET_OFFLINE=true.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:?usage: scripts/bundle.sh OUT_DIR}" && cd "$1" && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
name="kasefet-$version-src"
if ! git diff --quiet HEAD -- 2>/dev/null; then
    echo "bundle: note: the checkout has uncommitted changes; they go into the bundle" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage"
# Tracked files only: no target/, no editor files, no secrets that happen to lie around.
git ls-files -z | while IFS= read -r -d '' f; do
    [ -e "$f" ] || continue   # deleted in the working tree
    mkdir -p "$stage/$(dirname "$f")"
    cp -p "$f" "$stage/$f"
done
(cd "$stage" && cargo vendor --locked --versioned-dirs --quiet vendor >/dev/null)
# The Windows import-library crates are most of vendor/'s weight and are built only for
# Windows targets: keep each crate (Cargo.lock names it) but drop its lib/ of .a files, and
# list no files in its checksum so cargo does not look for them.
for d in "$stage"/vendor/winapi-*-pc-windows-gnu-* "$stage"/vendor/windows_*_gnu*-* "$stage"/vendor/windows_*_msvc-*; do
    [ -d "$d/lib" ] || continue
    rm -rf "$d/lib"
    pkg="$(sed -n 's/.*"package":"\([0-9a-f]*\)".*/\1/p' "$d/.cargo-checksum.json")"
    printf '{"files":{},"package":"%s"}' "$pkg" > "$d/.cargo-checksum.json"
done
mkdir -p "$stage/.cargo"
cat > "$stage/.cargo/config.toml" <<'TOML'
# Written by scripts/bundle.sh: build from the crates in vendor/, never from a registry.
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[net]
offline = true
TOML

tarball="$out/$name.tar.gz"
tar -C "$work" --sort=name --format=gnu --mtime="@$epoch" \
    --owner=0 --group=0 --numeric-owner --mode='u+rw,go+r,go-w,a+X' \
    -cf - "$name" | gzip -9 -n > "$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "$tarball"
