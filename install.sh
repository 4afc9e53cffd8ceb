#!/usr/bin/env bash
# Installs Kasefet for one user (--user) or as a shared server (--system).
#
#   ./install.sh --user [--prefix DIR]     binary into ~/.local/bin, man pages into ~/.local/share/man
#   sudo ./install.sh --system             binary, kasefet user and group, /etc, /var/lib, systemd unit
#   ./install.sh --uninstall [--user|--system] [--prefix DIR]
#                                          removes the program; never the data or the config
#
# Idempotent: run it again to upgrade. A config you changed is never overwritten (the new
# example goes beside it as kasefet.toml.new). With no `kasefet` binary beside this script it
# builds one (cargo build --release, --offline when a vendor/ directory is present).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
mode="" uninstall=0 prefix=""
while [ $# -gt 0 ]; do
    case "$1" in
        --user) mode=user ;;
        --system) mode=system ;;
        --uninstall) uninstall=1 ;;
        --prefix) prefix="${2:?--prefix needs a directory}"; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$mode" ] || { echo "install.sh: say --user or --system (see --help)" >&2; exit 2; }

say() { printf '  %s\n' "$*"; }

if [ "$mode" = system ]; then
    [ "$(id -u)" = 0 ] || { echo "install.sh: --system needs root (sudo)" >&2; exit 2; }
    prefix="${prefix:-/usr/local}"
    bindir="$prefix/bin" mandir="$prefix/share/man" etc=/etc/kasefet
else
    prefix="${prefix:-$HOME/.local}"
    bindir="$prefix/bin" mandir="$prefix/share/man" etc="${XDG_CONFIG_HOME:-$HOME/.config}/kasefet"
fi

if [ "$uninstall" = 1 ]; then
    echo "Removing Kasefet ($mode):"
    if [ "$mode" = system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now kasefet.service >/dev/null 2>&1 || true
        rm -f /etc/systemd/system/kasefet.service /etc/systemd/system/kasefet-backup.service /etc/systemd/system/kasefet-backup.timer
        systemctl daemon-reload >/dev/null 2>&1 || true
        say "stopped and removed the systemd units"
    fi
    rm -f "$bindir/kasefet" "$mandir/man1/kasefet.1" "$mandir/man5/kasefet.toml.5"
    say "removed $bindir/kasefet and the man pages"
    say "kept the data and the config ($etc); remove them yourself if you mean to"
    exit 0
fi

# The binary: beside this script (a release tarball), or built from source.
if [ -x "$here/kasefet" ]; then
    bin="$here/kasefet"
else
    offline=""
    [ -d "$here/vendor" ] && offline="--offline"
    echo "Building kasefet from source (cargo build --release $offline)…"
    (cd "$here" && cargo build --release --locked $offline)
    bin="$here/target/release/kasefet"
fi

echo "Installing Kasefet ($mode):"
install -d -m 0755 "$bindir" "$mandir/man1" "$mandir/man5"
install -m 0755 "$bin" "$bindir/kasefet"
say "binary      $bindir/kasefet"
install -m 0644 "$here/man/kasefet.1" "$mandir/man1/kasefet.1"
[ -f "$here/man/kasefet.toml.5" ] && install -m 0644 "$here/man/kasefet.toml.5" "$mandir/man5/kasefet.toml.5"
say "man pages   $mandir/man1/kasefet.1, $mandir/man5/kasefet.toml.5"

# The config: installed once; a changed one is kept and the new example put beside it.
conf_mode=0600
[ "$mode" = system ] && conf_mode=0640
install -d -m 0700 "$etc"
if [ ! -f "$etc/kasefet.toml" ]; then
    install -m "$conf_mode" "$here/assets/kasefet.toml" "$etc/kasefet.toml"
    say "config      $etc/kasefet.toml (the documented defaults)"
elif cmp -s "$etc/kasefet.toml" "$here/assets/kasefet.toml"; then
    say "config      $etc/kasefet.toml (unchanged)"
else
    install -m "$conf_mode" "$here/assets/kasefet.toml" "$etc/kasefet.toml.new"
    say "config      $etc/kasefet.toml kept as you changed it; the new example is kasefet.toml.new"
fi

if [ "$mode" = system ]; then
    if ! getent group kasefet >/dev/null; then groupadd --system kasefet; say "group       kasefet (created)"; fi
    if ! getent passwd kasefet >/dev/null; then
        useradd --system --gid kasefet --home-dir /var/lib/kasefet --no-create-home --shell /usr/sbin/nologin kasefet
        say "user        kasefet (created)"
    fi
    chgrp kasefet "$etc" "$etc/kasefet.toml"
    chmod 0750 "$etc"
    install -d -m 0700 -o kasefet -g kasefet /var/lib/kasefet
    say "data        /var/lib/kasefet (0700, kasefet)"
    install -d -m 0700 -o kasefet -g kasefet /srv/backups/kasefet
    say "backups     /srv/backups/kasefet (0700, kasefet); set [backup] dir in the config to use it"
    if [ -d /etc/systemd/system ]; then
        install -m 0644 "$here/assets/systemd/kasefet.service" /etc/systemd/system/kasefet.service
        for u in kasefet-backup.service kasefet-backup.timer; do
            [ -f "$here/assets/$u" ] && install -m 0644 "$here/assets/$u" "/etc/systemd/system/$u"
        done
        command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload >/dev/null 2>&1 || true
        say "systemd     kasefet.service installed; start it with: systemctl enable --now kasefet"
    fi
    say "ssh         see $here/assets/sshd_config.d/kasefet.conf for staff access over SSH"
    say "next        sudo -u kasefet kasefet --config /etc/kasefet/kasefet.toml init --admin NAME"
else
    case ":$PATH:" in *":$bindir:"*) ;; *) say "note        $bindir is not on your PATH" ;; esac
    say "next        kasefet (the setup wizard opens on first run)"
fi
