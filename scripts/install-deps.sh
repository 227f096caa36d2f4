#!/bin/sh
# Install the Debian packages weir needs to build, test, fuzz and benchmark.
set -e
PKGS="build-essential meson ninja-build pkg-config lemon gperf libsqlite3-dev sqlite3 \
      libreadline-dev libxxhash-dev libcmocka-dev librdkafka-dev clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
