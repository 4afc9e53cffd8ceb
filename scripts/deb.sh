#!/usr/bin/env bash
# Makes the Debian package from a release binary with dpkg-deb (no cargo-deb: it would compile
# for minutes in CI, and the binary is built once, from the offline bundle, for both).
#
#   scripts/deb.sh path/to/kasefet OUT_DIR        prints the path of the .deb
#
# Layout and maintainer scripts: assets/debian/ (README.Debian says what the package does).
# Every mtime is SOURCE_DATE_EPOCH (default: the last commit's time), so the same binary gives
# the same .deb.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath "${1:?usage: scripts/deb.sh BINARY OUT_DIR}")"
out="$(mkdir -p "${2:?usage: scripts/deb.sh BINARY OUT_DIR}" && cd "$2" && pwd)"
cd "$root"
upstream="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
version="$upstream-1"
arch="$(dpkg --print-architecture)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
deb_date="$(date -u -R -d "@$SOURCE_DATE_EPOCH")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
p="$work/kasefet"
umask 022
doc="$p/usr/share/doc/kasefet"
install -d "$p/DEBIAN" "$p/usr/bin" "$p/usr/share/man/man1" "$p/usr/share/man/man5" \
    "$p/etc/kasefet" "$p/lib/systemd/system" "$doc/examples/sshd_config.d" \
    "$p/usr/share/bash-completion/completions" "$p/usr/share/zsh/vendor-completions" \
    "$p/usr/share/fish/vendor_completions.d" "$p/usr/share/lintian/overrides"

install -m 0755 "$bin" "$p/usr/bin/kasefet"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$p/usr/bin/kasefet"
gzip -9n < man/kasefet.1 > "$p/usr/share/man/man1/kasefet.1.gz"
gzip -9n < man/kasefet.toml.5 > "$p/usr/share/man/man5/kasefet.toml.5.gz"
"$bin" completions bash > "$p/usr/share/bash-completion/completions/kasefet"
"$bin" completions zsh > "$p/usr/share/zsh/vendor-completions/_kasefet"
"$bin" completions fish > "$p/usr/share/fish/vendor_completions.d/kasefet.fish"
install -m 0644 assets/kasefet.toml "$p/etc/kasefet/kasefet.toml"
# The units and the sshd example name the install.sh path; the package's binary is /usr/bin.
for u in assets/systemd/kasefet.service assets/kasefet-backup.service assets/kasefet-backup.timer; do
    sed 's|/usr/local/bin/kasefet|/usr/bin/kasefet|g' "$u" > "$p/lib/systemd/system/$(basename "$u")"
done
sed 's|/usr/local/bin/kasefet|/usr/bin/kasefet|g' assets/sshd_config.d/kasefet.conf \
    > "$doc/examples/sshd_config.d/kasefet.conf"
install -m 0644 assets/debian/copyright assets/debian/README.Debian "$doc/"
sed -e "s|@VERSION@|$version|" -e "s|@UPSTREAM@|$upstream|" -e "s|@DATE@|$deb_date|" \
    assets/debian/changelog | gzip -9n > "$doc/changelog.Debian.gz"
install -m 0644 assets/debian/lintian-overrides "$p/usr/share/lintian/overrides/kasefet"
chmod -R u+rw,go+r,go-w "$p"

install -m 0755 assets/debian/postinst assets/debian/prerm assets/debian/postrm "$p/DEBIAN/"
install -m 0644 assets/debian/conffiles "$p/DEBIAN/"
glibc="$(objdump -T "$p/usr/bin/kasefet" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)"
depends="libc6 (>= $glibc), libgcc-s1 (>= 4.2)"
size="$(du -sk --exclude=DEBIAN "$p" | cut -f1)"
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$size|" \
    -e "s|@DEPENDS@|$depends|" assets/debian/control > "$p/DEBIAN/control"
# Conffiles are left out, as dh_md5sums does: dpkg keeps their sums itself.
(cd "$p" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' \
    | LC_ALL=C sort -z | xargs -0 md5sum) > "$p/DEBIAN/md5sums"
find "$p" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +

deb="$out/kasefet_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$p" "$deb" >/dev/null
echo "$deb"
