#!/usr/bin/env bash
# Peak memory of a real `kasefet serve` while N sign-ins (default 256) arrive at once, at the
# shipped argon2 cost (64 MiB, t=3, p=4). Not run in CI. Prints the server's VmHWM (peak
# resident set) from /proc, and how the sign-ins ended.
#
#   cargo build --release && benches/signin_memory.sh [N]
#   KASEFET_BIN=target/debug/kasefet benches/signin_memory.sh 256
#
# Each sign-in is the real CLI (`kasefet --user ... customer list`) over the socket, for an
# unknown user, so every one costs a full argon2 run. Without a bound on concurrent argon2
# runs, N of them hold N x 64 MiB; with it (`[server] argon2_concurrency`, default: cores)
# the rest wait in line (up to `signin_timeout_secs`) or are refused as busy.
set -euo pipefail
N=${1:-256}
BIN=$(realpath "${KASEFET_BIN:-target/release/kasefet}")
dir=$(mktemp -d)
srv=
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir"
umask 077
echo "correct horse battery staple 42" >pw
printf '[server]\nmax_connections_per_uid = %d\n' "$N" >kasefet.toml
"$BIN" --config kasefet.toml --data-dir db init --admin dana --password-file pw \
    --totp-secret-file t --recovery-key-file rk </dev/null >/dev/null 2>&1
"$BIN" --config kasefet.toml --data-dir db --socket k.sock serve 2>serve.log &
srv=$!
for _ in $(seq 100); do [ -S k.sock ] && break; sleep 0.1; done
base=$(awk '/VmHWM/ {print $2}' "/proc/$srv/status")
start=$(date +%s.%N)
pids=()
for i in $(seq "$N"); do
    "$BIN" --config kasefet.toml --data-dir db --socket k.sock --user "nobody$i" \
        --password-file pw --totp 000000 customer list </dev/null >/dev/null 2>"err.$i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$srv/status")
failed=$( (grep -l "sign-in failed" err.* 2>/dev/null || true) | wc -l)
busy=$( (grep -l "busy" err.* 2>/dev/null || true) | wc -l)
other=$((N - failed - busy))
printf 'sign-ins at once: %d (argon2 m=64 MiB t=3 p=4, %s cores)\n' "$N" "$(nproc)"
printf 'server VmHWM before: %d MiB, peak: %d MiB (limit asked: < 1024 MiB)\n' $((base / 1024)) $((peak / 1024))
printf 'refused as failed sign-in: %d, refused as busy: %d, other: %d, wall time %.1f s\n' \
    "$failed" "$busy" "$other" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
