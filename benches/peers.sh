#!/usr/bin/env bash
# Kasefet beside what an office would pick instead, on the same generated rows, in one run:
# SQLCipher (one table; bulk insert in one transaction, durable autocommit inserts, LIKE scans,
# file size) and fzf --filter (search), then Kasefet's own figures from `cargo bench --bench
# core` and `--bench search_keys`, and the ratios (Kasefet / peer; below 1 means Kasefet is
# faster or smaller).
#
#   KASEFET_BENCH_CUSTOMERS=1000000 benches/peers.sh      (default 100000)
#
# Needs sqlcipher, fzf and python3 (apt-get install sqlcipher fzf). Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${KASEFET_BENCH_CUSTOMERS:-100000}"
for tool in sqlcipher fzf python3; do
    command -v "$tool" >/dev/null || { echo "peers.sh: $tool is missing (apt-get install sqlcipher fzf)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
KEY="PRAGMA key = 'correct horse battery staple 42';"
QUERIES=("zzz-no-match" "person99999@" "levi")

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.4f}')"; }

# The rows of benches/fixtures/mod.rs, as SQL and as lines for fzf.
python3 - "$N" "$tmp" <<'EOF'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
first = ["Noa", "Avi", "José", "Maya", "Omar", "Lea", "Dan", "Yael"]
last = ["Levi", "Cohen", "Núñez", "Haddad", "Mizrahi", "Peretz", "Biton", "Friedman"]
tags = ["vip", "lead", "retail", "wholesale"]
with open(f"{d}/bulk.sql", "w") as sql, open(f"{d}/lines.txt", "w") as lines:
    sql.write("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, company TEXT,"
              " email TEXT, phone TEXT, tags TEXT);\nBEGIN;\n")
    for i in range(n):
        row = (f"{first[i % 8]} {last[(i // 8) % 8]} {i}", f"Company {i % 5000}",
               f"person{i}@example.org",
               f"+972-5{i % 10}-{(i // 10) % 1000:03}-{i % 10000:04}", tags[i % 4])
        sql.write("INSERT INTO customers (name, company, email, phone, tags) VALUES (%s);\n"
                  % ", ".join("'%s'" % v for v in row))
        lines.write(" ".join(row) + "\n")
    sql.write("COMMIT;\n")
EOF

db="$tmp/peer.db"
t0=$(now); { echo "$KEY"; cat "$tmp/bulk.sql"; } | sqlcipher "$db"; t1=$(now)
sql_bulk=$(secs "$t0" "$t1")
sql_size=$(stat -c %s "$db")
{
    echo "$KEY"
    for i in $(seq 1 200); do
        echo "INSERT INTO customers (name, email) VALUES ('Durable $i', 'd$i@example.org');"
    done
} >"$tmp/durable.sql"
t0=$(now); sqlcipher "$db" <"$tmp/durable.sql"; t1=$(now)
sql_durable_ms=$(python3 -c "print(f'{($t1 - $t0) * 1000 / 200:.3f}')")

declare -A sql_like fzf_filter
for q in "${QUERIES[@]}"; do
    # The scan alone: the first statement pays the key derivation, the second (the one
    # kept) only the scan, with its pages already read once.
    like="SELECT count(*) FROM customers WHERE name LIKE '%$q%' OR company LIKE '%$q%' OR email LIKE '%$q%' OR phone LIKE '%$q%' OR tags LIKE '%$q%';"
    out=$(printf "%s\n.timer on\n%s\n%s\n" "$KEY" "$like" "$like" | sqlcipher "$db")
    sql_like[$q]=$(echo "$out" | awk '/Run Time/ { t = $4 } END { print t }')
    # fzf exits 1 when nothing matches.
    t0=$(now); { fzf --filter "$q" <"$tmp/lines.txt" || true; } | head -50 >/dev/null; t1=$(now)
    fzf_filter[$q]=$(secs "$t0" "$t1")
done

echo "== Kasefet (cargo bench --bench core, --bench search_keys; release)"
KASEFET_BENCH_CUSTOMERS="$N" cargo bench --quiet --bench core 2>/dev/null | tee "$tmp/core.txt"
KASEFET_BENCH_CUSTOMERS="$N" cargo bench --quiet --bench search_keys 2>/dev/null | tee "$tmp/keys.txt"

# A duration as cargo's Debug prints it ("1.2ms", "850µs", "3.1s") in seconds.
to_s() { python3 -c "
import re,sys
m = re.match(r'([0-9.]+)(ns|µs|ms|s)', sys.argv[1])
print(float(m.group(1)) * {'ns': 1e-9, 'µs': 1e-6, 'ms': 1e-3, 's': 1}[m.group(2)] if m else 'nan')" "$1"; }
p50() { grep -F "search \"$1\" over" "$tmp/core.txt" | sed -E 's/.*p50 ([^,]+),.*/\1/'; }
ratio() { python3 -c "a, b = float('$1'), float('$2'); print(f'{a / b:.3f}' if b else 'n/a')"; }

k_bulk=$(grep "bulk import of" "$tmp/core.txt" | sed -E 's/.*: //')
k_add=$(grep "durable customer add" "$tmp/core.txt" | sed -E 's/.*p50 ([^,]+),.*/\1/')
k_size=$(grep "data directory with" "$tmp/core.txt" | sed -E 's/.*customers: ([0-9.]+) MiB.*/\1/')
echo
echo "== Peers on the same $N rows, this run"
printf "%-44s %14s %14s %10s\n" "figure" "kasefet" "peer" "ratio"
printf "%-44s %14s %14s %10s\n" "bulk insert (sqlcipher: one transaction)" "$k_bulk" "${sql_bulk}s" \
    "$(ratio "$(to_s "$k_bulk")" "$sql_bulk")"
printf "%-44s %14s %14s %10s\n" "durable single insert, p50 / mean" "$k_add" "${sql_durable_ms}ms" \
    "$(ratio "$(to_s "$k_add")" "$(python3 -c "print($sql_durable_ms / 1000)")")"
printf "%-44s %14s %14s %10s\n" "data size (MiB)" "$k_size" \
    "$(python3 -c "print(f'{$sql_size / 1048576:.1f}')")" \
    "$(ratio "$k_size" "$(python3 -c "print($sql_size / 1048576)")")"
for q in "${QUERIES[@]}"; do
    k=$(p50 "$q")
    printf "%-44s %14s %14s %10s\n" "search \"$q\" vs sqlcipher LIKE" "$k" "${sql_like[$q]}s" \
        "$(ratio "$(to_s "$k")" "${sql_like[$q]}")"
    printf "%-44s %14s %14s %10s\n" "search \"$q\" vs fzf --filter" "$k" "${fzf_filter[$q]}s" \
        "$(ratio "$(to_s "$k")" "${fzf_filter[$q]}")"
done
echo "(kasefet search: p50 of 20 rounds in which the queries take turns, in-process; the peers"
echo " are whole commands: sqlcipher's statement time after its key derivation, fzf's run)"
