#!/usr/bin/env bash
# The one entry point on a fresh Debian 12 machine (run as root, or with sudo):
#
#   packaging/bootstrap.sh demo    install what is missing, build, run the demo
#   packaging/bootstrap.sh test    install what is missing, build, run every test
#   packaging/bootstrap.sh build   install what is missing and build
#
# Idempotent: only missing packages are installed (one `apt-get update` when any are), and the
# build is incremental. PFA_PRESET picks the CMake preset (default: release). With CI set,
# compiler warnings are errors.
set -euo pipefail

cd "$(dirname "$0")/.."

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

action=${1:-}
case "$action" in
    demo | test | build) ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac
shift

# What building and testing pfa-sync needs from Debian. PostgreSQL is here for its server
# binaries only: demo and tests start private clusters of their own (LocalPostgres).
packages=(
    cmake ninja-build g++ ccache pkg-config
    qt6-base-dev libqt6sql6-psql
    qt6-httpserver-dev qt6-websockets-dev # pems-sim and --service (REST + WebSocket)
    nlohmann-json3-dev libpq-dev
    libssl-dev # libcrypto: AES-256-GCM of the PEMS keys stored per organization
    prometheus-cpp-dev # --service's /metrics (its CMake config also wants civetweb's and curl's)
    libsystemd-dev     # --service: sd_notify readiness and watchdog under systemd
    postgresql
    wrk # benchmarks (ctest -L bench)
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$package")
done
if ((${#missing[@]})); then
    if ((EUID != 0)); then
        echo "bootstrap: these packages are missing and installing them needs root:" >&2
        echo "  ${missing[*]}" >&2
        echo "run: sudo $0 $action" >&2
        exit 1
    fi
    echo "bootstrap: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

preset=${PFA_PRESET:-release}
# Let ccache reuse objects across clones in different directories (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
werror=OFF
[[ -n "${CI:-}" ]] && werror=ON
cmake --preset "$preset" -DPFA_WERROR="$werror" >/dev/null
cmake --build --preset "$preset"

case "$action" in
    demo) exec "build/$preset/app/pfa-sync" --demo "$@" ;;
    test) exec ctest --preset "$preset" "$@" ;;
    build) ;;
esac
