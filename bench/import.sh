#!/usr/bin/env bash
# Import benchmark: jiugai against its peers on the same national ledger, side by side, in one run.
# Usage: bash bench/import.sh        (see bench/README.md)
#
# Environment:
#   RUNS=3            timed runs per entry (hyperfine; the median is reported)
#   ROWS=300000       ledger rows; SEED=42
#   OPENPYXL=1        also time pandas' default xlsx reader (openpyxl, about a minute a run)
#   SKIP_PG=1         leave out the PostgreSQL runs
#   JIUGAI=path       the jiugai binary (default target/release/jiugai)
#   BENCHGEN=path     a prebuilt jiugai-benchgen (default: cargo build --release -p jiugai-benchgen)
#   PG_URL_BASE=postgres://postgres@127.0.0.1:5432   PG_DB=jiugai_bench
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out"
PEERS="${PEERS:-/work/shared/bench/peers}"
RUNS="${RUNS:-3}"
ROWS="${ROWS:-300000}"
SEED="${SEED:-42}"
JIUGAI="${JIUGAI:-$ROOT/target/release/jiugai}"
PG_URL_BASE="${PG_URL_BASE:-postgres://postgres@127.0.0.1:5432}"
PG_DB="${PG_DB:-jiugai_bench}"
PY="${PYTHON:-python3}"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
NAME="ledger-$((ROWS / 1000))k"
[ "$ROWS" -lt 1000 ] && NAME="ledger-$ROWS"
CSV="$OUT/$NAME.csv"
XLSX="$OUT/$NAME.xlsx"
DB="$OUT/bench.db"
RESULTS="$OUT/results.md"
LOGS="$OUT/logs"     # each entry's output, /usr/bin/time -v report and hyperfine json; emptied at each run
rm -rf "$LOGS"; mkdir -p "$LOGS"

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'bench/import.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Tools.

apt_updated=
apt_install() {
    command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it"
    local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    if [ -z "$apt_updated" ]; then $sudo apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
command -v hyperfine >/dev/null || { log "installing hyperfine"; apt_install hyperfine; }
[ -x /usr/bin/time ] || { log "installing time"; apt_install time; }
if ! "$PY" -c 'import pandas, openpyxl, python_calamine' 2>/dev/null; then
    log "installing pandas openpyxl python-calamine"
    "$PY" -m pip install -q pandas openpyxl python-calamine
fi

# ---------------------------------------------------------------------------------------------------------------
# The ledgers.

if [ -z "${BENCHGEN:-}" ]; then
    log "building jiugai-benchgen"
    (cd "$ROOT" && cargo build --release -q -p jiugai-benchgen)
    BENCHGEN="${CARGO_TARGET_DIR:-$ROOT/target}/release/jiugai-benchgen"
fi
[ -x "$BENCHGEN" ] || die "no jiugai-benchgen at $BENCHGEN"

gen_notes=()
EXPECT=
for f in "$CSV" "$XLSX"; do
    log "generating $f"
    start=$EPOCHREALTIME
    line=$("$BENCHGEN" ledger --rows "$ROWS" --seed "$SEED" -o "$f")   # "rows N households H"
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
    expect=$(awk '{print $2, $4}' <<<"$line")
    [ -z "$EXPECT" ] || [ "$EXPECT" = "$expect" ] || die "csv and xlsx differ: $EXPECT vs $expect"
    EXPECT=$expect
    gen_notes+=("$(awk -v n="$(basename "$f")" -v b="$(stat -c %s "$f")" -v s="$secs" \
        'BEGIN { printf "%s: %.1f MB, generated in %.2f s", n, b / 1e6, s }')")
done
read -r EXPECT_ROWS EXPECT_HH <<<"$EXPECT"

# ---------------------------------------------------------------------------------------------------------------
# Measuring.

rows_md=()

# The rows and households a run reported, from its output: the peers print "N H" or "(N, H)"; jiugai prints JSON,
# in which the first integer fields named like rows/households are taken.
reported() {
    "$PY" - "$1" <<'EOF'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
def walk(v, path=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from walk(x, f"{path}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from walk(x, f"{path}[{i}]")
    else:
        yield path.lower(), v
def pick(pairs, words, avoid=()):
    for p, v in pairs:
        last = p.rsplit(".", 1)[-1]
        if isinstance(v, int) and not isinstance(v, bool) and any(w in last for w in words) \
                and not any(a in last for a in avoid):
            return v
    return None
for start in [m.start() for m in re.finditer(r"[{\[]", text)][:50]:
    try:
        doc = json.JSONDecoder().raw_decode(text[start:])[0]
    except ValueError:
        continue
    pairs = list(walk(doc))
    n = pick(pairs, ("imported", "inserted", "rows", "estates", "count", "total"),
             ("reject", "error", "fail", "skip", "warn", "house"))
    h = pick(pairs, ("households", "household", "hh", "户数"))
    if n is not None or h is not None:
        print(f"{n if n is not None else '?'} {h if h is not None else '?'}")
        sys.exit()
    break
nums = re.findall(r"\d+", text.strip().splitlines()[-1]) if text.strip() else []
print(" ".join(nums[:2]) if nums else "?")
EOF
}

# measure "what" "prepare shell command or empty" cmd args...
measure() {
    local what="$1" prepare="$2"; shift 2
    local slug; slug=$(printf '%s' "$what" | tr -c 'A-Za-z0-9' '_' | tr -s '_' | sed 's/^_//; s/_$//' | cut -c1-60)
    local cmd; cmd=$(printf '%q ' "$@")
    log "$what"
    # One run under /usr/bin/time -v: peak RSS, and the figures it reports (also a trial: a failing command is
    # reported as failed and not timed).
    if [ -n "$prepare" ]; then bash -c "$prepare" >"$LOGS/$slug.prepare.log" 2>&1 || {
        rows_md+=("| $what | prepare failed (see bench/out/logs/$slug.prepare.log) | | |"); return; }; fi
    if ! /usr/bin/time -v -o "$LOGS/$slug.time" "$@" >"$LOGS/$slug.out" 2>"$LOGS/$slug.err"; then
        tail -n 5 "$LOGS/$slug.err" >&2
        rows_md+=("| $what | failed (see bench/out/logs/$slug.err) | | |")
        return
    fi
    local kb; kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$LOGS/$slug.time")
    local got; got=$(reported "$LOGS/$slug.out")
    local check="$got"
    if [ "$got" = "$EXPECT_ROWS $EXPECT_HH" ]; then check="$got ✓"; else check="$got ✗ (expected $EXPECT_ROWS $EXPECT_HH)"; fi
    local hf=(hyperfine --style basic --runs "$RUNS" --export-json "$LOGS/$slug.json")
    [ -n "$prepare" ] && hf+=(--prepare "$prepare")
    if ! "${hf[@]}" "$cmd" >"$LOGS/$slug.hyperfine" 2>&1; then
        tail -n 5 "$LOGS/$slug.hyperfine" >&2
        rows_md+=("| $what | hyperfine failed (see bench/out/logs/$slug.hyperfine) | $(awk "BEGIN{printf \"%.0f\", $kb/1024}") | $check |")
        return
    fi
    local med; med=$(jq -r '.results[0].median' "$LOGS/$slug.json")
    local line
    line=$(awk -v m="$med" -v k="$kb" -v w="$what" -v c="$check" \
        'BEGIN { printf "| %s | %.2f s | %.0f | %s |", w, m, k / 1024, c }')
    printf '%s\n' "$line" >&2
    rows_md+=("$line")
}

PANDAS="$PEERS/pandas_import.py"
SQLITE="$PEERS/sqlite_limit.py"
[ -f "$PANDAS" ] && [ -f "$SQLITE" ] || die "peers not found in $PEERS"

measure "pandas read_csv + to_sql (csv)" "" "$PY" "$PANDAS" "$CSV" "$OUT/pandas-csv.db"
measure "pandas read_excel, calamine engine + to_sql (xlsx)" "" env XL_ENGINE=calamine "$PY" "$PANDAS" "$XLSX" "$OUT/pandas-xlsx.db"
if [ "${OPENPYXL:-0}" = 1 ]; then
    measure "pandas read_excel, openpyxl (its default) + to_sql (xlsx)" "" env XL_ENGINE=openpyxl "$PY" "$PANDAS" "$XLSX" "$OUT/pandas-openpyxl.db"
fi
measure "bare SQLite executemany of the csv rows, no checks (csv)" "" "$PY" "$SQLITE" "$CSV" "$OUT/sqlite-limit.db"

skipped=()
if [ ! -x "$JIUGAI" ]; then
    msg="jiugai: no binary at $JIUGAI (run cargo build --release first); jiugai runs skipped"
    log "$msg"; skipped+=("$msg")
else
    q() { printf '%q' "$1"; }
    SQLITE_URL="sqlite://$DB"
    prep_sqlite="rm -f $(q "$DB") $(q "$DB-wal") $(q "$DB-shm") $(q "$DB-journal") && $(q "$JIUGAI") --database-url $(q "$SQLITE_URL") init"
    measure "jiugai import estates → SQLite (csv)" "$prep_sqlite" "$JIUGAI" --database-url "$SQLITE_URL" import estates "$CSV" --json
    measure "jiugai import estates → SQLite (xlsx)" "$prep_sqlite" "$JIUGAI" --database-url "$SQLITE_URL" import estates "$XLSX" --json

    if [ "${SKIP_PG:-0}" = 1 ]; then
        skipped+=("PostgreSQL runs skipped (SKIP_PG=1)")
    else
        PSQL=(psql -X -q -h 127.0.0.1 -U postgres -d postgres)
        if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
            log "starting PostgreSQL"
            for v in $(ls /etc/postgresql 2>/dev/null); do
                pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
            done
            for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
        fi
        if ! "${PSQL[@]}" -c 'select 1' >/dev/null 2>&1; then
            msg="PostgreSQL not reachable at 127.0.0.1:5432 as postgres; PostgreSQL runs skipped"
            log "$msg"; skipped+=("$msg")
        else
            PG_URL="$PG_URL_BASE/$PG_DB"
            prep_pg="psql -X -q -h 127.0.0.1 -U postgres -d postgres -c 'drop database if exists $PG_DB with (force)' && psql -X -q -h 127.0.0.1 -U postgres -d postgres -c 'create database $PG_DB' && $(q "$JIUGAI") --database-url $(q "$PG_URL") init"
            measure "jiugai import estates → PostgreSQL (csv)" "$prep_pg" "$JIUGAI" --database-url "$PG_URL" import estates "$CSV" --json
            measure "jiugai import estates → PostgreSQL (xlsx)" "$prep_pg" "$JIUGAI" --database-url "$PG_URL" import estates "$XLSX" --json
        fi
    fi
fi

# ---------------------------------------------------------------------------------------------------------------
# Report.

PEER_VERSIONS='
import sys, sqlite3, pandas, openpyxl, importlib.metadata as m
print("Python %s, pandas %s, python-calamine %s, openpyxl %s, SQLite %s" % (sys.version.split()[0],
      pandas.__version__, m.version("python-calamine"), openpyxl.__version__, sqlite3.sqlite_version))'

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[ -n "$cpu" ] || cpu=$(lscpu 2>/dev/null | awk -F': +' '/Model name/ {print $2; exit}')
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
{
    echo "# Import benchmark, $ROWS-estate national ledger"
    echo
    echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $mem RAM, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC'); load average $LOAD_START just before (1, 5, 15 min; near 0 means the cores were not shared)."
    echo "Ledgers (seed $SEED, $EXPECT_ROWS rows, $EXPECT_HH households): ${gen_notes[0]}; ${gen_notes[1]}."
    echo "Peers: $("$PY" -c "$PEER_VERSIONS"); $(hyperfine --version)."
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
    [ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] || commit="$commit + uncommitted changes"
    jv="not built"
    if [ -x "$JIUGAI" ]; then jv=$("$JIUGAI" --version 2>/dev/null | head -n1 || true); jv=${jv:-$JIUGAI}; fi
    echo "jiugai: $jv ($commit)."
    echo "Wall: median of $RUNS runs (hyperfine, whole process). Peak: max RSS of one run (/usr/bin/time -v; for PostgreSQL the client only)."
    echo
    echo "| what | wall median | peak MiB | reported rows, households |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${rows_md[@]}"
    for s in "${skipped[@]}"; do echo; echo "Note: $s."; done
} >"$RESULTS"
echo
cat "$RESULTS"
echo
log "saved $RESULTS"
