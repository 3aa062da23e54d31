#!/usr/bin/env bash
# Installs the Debian packages vmxguard needs, once; only missing ones.
#
#   install-deps.sh build   what building and running vmxguard needs:
#                           scripts/deps/build-*.txt (make demo)
#   install-deps.sh check   everything: every scripts/deps/*.txt, i.e. the
#                           build files plus the test tools (make check)
#   install-deps.sh --list build|check   print the package names, install nothing
#
# Each file lists packages one per line (# comments), grouped by what needs
# them.  The naming rule is the whole interface: a new area adds
# build-<area>.txt for libraries it links, <area>.txt for test tools.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=0
if [ "${1:-}" = "--list" ]; then
    list=1
    shift
fi
mode=${1:-check}
shopt -s nullglob
case $mode in
build) files=("$here"/deps/build-*.txt) ;;
check) files=("$here"/deps/*.txt) ;;
*) echo "usage: install-deps.sh [--list] build|check" >&2; exit 2 ;;
esac
[ ${#files[@]} -gt 0 ] || { echo "install-deps.sh: no package lists in $here/deps" >&2; exit 2; }
want=$(cat "${files[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
if [ $list -eq 1 ]; then
    printf '%s\n' $want
    exit 0
fi
missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ($mode): ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
