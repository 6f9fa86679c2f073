#!/bin/sh
# Installs the Debian packages `make unit` needs to run the gateway's Lua routing tests outside nginx
# (tests/unit/roles/gateway/test_routing_lua.py): the LuaJIT CLI and lua-cjson. Does nothing when they are there.
set -eu
missing=""
command -v luajit >/dev/null 2>&1 || missing="$missing luajit"
dpkg-query -W -f='${Status}' lua-cjson 2>/dev/null | grep -q "install ok installed" || missing="$missing lua-cjson"
[ -z "$missing" ] && exit 0
echo "ensure-lua: installing$missing" >&2
# $missing is a space-separated list of package names: one argument each
if [ "$(id -u)" -ne 0 ]; then
    exec sudo -n sh -c "apt-get update -qq && # shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing"
fi
apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
