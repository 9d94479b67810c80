#!/bin/sh
# The pems-sim PUT benchmark: for each scenario (wrk threads x connections) a fresh pems-sim with
# generated records, then wrk with pems_sim_put.lua over keep-alive connections on 127.0.0.1.
# Prints ONE JSON line per scenario on stdout (wrk's own report goes to stderr).
#
#   pems_sim_put.sh <pems-sim binary> <pems_sim_put.lua>
# Environment: BENCH_DURATION (seconds, default 10), BENCH_SCENARIOS ("threads:connections ...",
# default "1:32 2:64"), BENCH_RECORDS (per run, default 20000), BENCH_BUILD_TYPE.
set -eu

SIM=$1
SCRIPT=$2
DURATION=${BENCH_DURATION:-10}
SCENARIOS=${BENCH_SCENARIOS:-"1:32 2:64"}
RECORDS=${BENCH_RECORDS:-20000}

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk is not installed (Debian package wrk)" >&2
    exit 77
fi

WORK=$(mktemp -d)
SIM_PID=
cleanup() {
    if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

for scenario in $SCENARIOS; do
    threads=${scenario%%:*}
    connections=${scenario##*:}

    "$SIM" --port 0 --generate "$RECORDS" --orgs BENCH >"$WORK/sim.out" 2>"$WORK/sim.err" &
    SIM_PID=$!
    port=
    tries=0
    while [ -z "$port" ]; do
        port=$(sed -n 's|^pems-sim listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$WORK/sim.out")
        tries=$((tries + 1))
        if [ -z "$port" ]; then
            if [ $tries -gt 300 ] || ! kill -0 "$SIM_PID" 2>/dev/null; then
                echo "pems-sim did not start:" >&2
                cat "$WORK/sim.err" >&2
                exit 1
            fi
            sleep 0.1
        fi
    done

    BENCH_ORG=BENCH BENCH_RECORDS=$RECORDS BENCH_THREADS=$threads BENCH_CONNECTIONS=$connections \
        wrk -t "$threads" -c "$connections" -d "${DURATION}s" -s "$SCRIPT" \
        "http://127.0.0.1:$port" >"$WORK/wrk.out" 2>&1 || { cat "$WORK/wrk.out" >&2; exit 1; }
    grep -v '^{"benchmark"' "$WORK/wrk.out" >&2 || true
    grep '^{"benchmark"' "$WORK/wrk.out"

    kill -TERM "$SIM_PID"
    wait "$SIM_PID"
    SIM_PID=
done
