#!/usr/bin/env bash
# govc's environment against vcsim over TLS: GOVC_URL (no scheme, no path,
# a user and password inside it), GOVC_USERNAME/GOVC_PASSWORD overriding the
# URL's, GOVC_INSECURE, GOVC_TLS_CA_CERTS as a ':' list; vmxguard's own
# settings (a TARGET, VMXGUARD_PASSWORD, --cacert) winning over them; the
# password never printed; a password in a command-line URL still refused.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
LAB=${VG_SHARED_DIR:-$VG_SOURCE_DIR/../shared}/lab/vcsim
GOVC=${VCSIM_PREFIX:-/opt/vcsim}/bin/govc
if [ ! -x "$GOVC" ]; then
    bash "$VG_SOURCE_DIR/scripts/setup.d/vsphere.sh" || { echo "vcsim/govc not installable"; exit 1; }
fi
work=$(mktemp -d)
cleanup() { bash "$LAB/stop.sh" -d "$work/vc" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; sed 's/^/  stderr: /' "$work/err" 2>/dev/null | head -5; fails=$((fails + 1)); }
PW='vmx-Pass1%x'           # a '%' to show GOVC_URL's password is percent-decoded
PW_URL='vmx-Pass1%25x'
bash "$LAB/start.sh" -n 2 -d "$work/vc" --gen-cert -u vmxuser -w "$PW" > "$work/start.log" 2>&1 ||
    { cat "$work/start.log"; exit 1; }
. "$work/vc/vcsim.env"
CA=$VCSIM_CA_FILE
PORT=$(sed -n 's/.*:\([0-9]*\)\/sdk.*/\1/p' <<< "$VCSIM_URL")
# another CA that signed nothing here
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" -keyout "$work/o.key" \
    -out "$work/other.crt" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
clean_env() { env -u GOVC_URL -u GOVC_USERNAME -u GOVC_PASSWORD -u GOVC_INSECURE -u GOVC_TLS_CA_CERTS \
    -u GOVC_DATACENTER -u VMXGUARD_USER -u VMXGUARD_PASSWORD "$@"; }
# run NAME-OF-CASE ENV... -- vmxguard args
run() {
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    clean_env "${envs[@]}" timeout 120 "$VMXGUARD" "$@" >"$work/out" 2>"$work/err" </dev/null
    rc=$?
    if grep -qF -e "$PW" -e "$PW_URL" "$work/out" "$work/err"; then fail "password shown: $*"; fi
}
audited() { grep -qE 'VMs: +2 audited' "$work/out"; }

# GOVC_URL alone, with user and password inside it, and the CA
run "GOVC_URL=https://vmxuser:$PW_URL@127.0.0.1:$PORT/sdk" "GOVC_TLS_CA_CERTS=$CA" -- audit
{ [ $rc -eq 1 ] && audited; } || fail "GOVC_URL with user:password@ and GOVC_TLS_CA_CERTS (rc=$rc)"
# no scheme, no path (https and /sdk as in govc); credentials beside it
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" "GOVC_TLS_CA_CERTS=$CA" -- audit
{ [ $rc -eq 1 ] && audited; } || fail "GOVC_URL host:port with GOVC_USERNAME/GOVC_PASSWORD (rc=$rc)"
# govc's rule: GOVC_USERNAME and GOVC_PASSWORD override the URL's
run "GOVC_URL=https://nobody:wrong@127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" \
    "GOVC_TLS_CA_CERTS=$CA" -- audit
{ [ $rc -eq 1 ] && audited; } || fail "GOVC_USERNAME/GOVC_PASSWORD override the URL's (rc=$rc)"
# vmxguard's own password wins over govc's
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" VMXGUARD_PASSWORD=wrong \
    "GOVC_TLS_CA_CERTS=$CA" -- audit
[ $rc -eq 2 ] || fail "VMXGUARD_PASSWORD must win over GOVC_PASSWORD (rc=$rc)"
# ... and a target on the command line wins over GOVC_URL, whose password then does not count
run "GOVC_URL=https://vmxuser:$PW_URL@127.0.0.1:1/sdk" "GOVC_TLS_CA_CERTS=$CA" -- \
    audit "vsphere://vmxuser@127.0.0.1:$PORT"
{ [ $rc -eq 2 ] && grep -q 'no vSphere credentials' "$work/err"; } ||
    fail "a command-line target must not take GOVC_URL's password (rc=$rc)"
run "GOVC_URL=https://127.0.0.1:1/sdk" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" \
    "GOVC_TLS_CA_CERTS=$CA" -- audit "vsphere://127.0.0.1:$PORT"
{ [ $rc -eq 1 ] && audited; } || fail "command-line target with GOVC_USERNAME/PASSWORD (rc=$rc)"
# GOVC_INSECURE: 1 or true skips the check, with a warning naming it; 0 does not
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" GOVC_INSECURE=True -- audit
{ [ $rc -eq 1 ] && audited && grep -q 'GOVC_INSECURE' "$work/err"; } || fail "GOVC_INSECURE=True (rc=$rc)"
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" GOVC_INSECURE=0 -- audit
[ $rc -eq 2 ] || fail "GOVC_INSECURE=0 and no CA must fail the certificate check (rc=$rc)"
# --cacert is vmxguard's own: it wins over GOVC_INSECURE
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" GOVC_INSECURE=1 -- \
    audit --cacert "$work/other.crt"
[ $rc -eq 2 ] || fail "--cacert (a CA that signed nothing) must win over GOVC_INSECURE (rc=$rc)"
# GOVC_TLS_CA_CERTS as a list; the bundle made of it does not stay behind
before=$(ls /tmp | grep -c '^vmxguard-ca-')
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" \
    "GOVC_TLS_CA_CERTS=$work/other.crt:$CA" -- audit
{ [ $rc -eq 1 ] && audited; } || fail "GOVC_TLS_CA_CERTS with two files (rc=$rc)"
[ "$(ls /tmp | grep -c '^vmxguard-ca-')" -eq "$before" ] || fail "CA bundle left in /tmp"
run "GOVC_URL=127.0.0.1:$PORT" GOVC_USERNAME=vmxuser "GOVC_PASSWORD=$PW" \
    "GOVC_TLS_CA_CERTS=$work/missing.crt:$CA" -- audit
{ [ $rc -eq 2 ] && grep -q 'missing.crt' "$work/err"; } || fail "a missing CA file is named (rc=$rc)"
# a password on the command line is still refused, and not echoed
run "GOVC_TLS_CA_CERTS=$CA" -- audit "vsphere://vmxuser:$PW@127.0.0.1:$PORT"
{ [ $rc -eq 2 ] && grep -q 'password in the target URL is refused' "$work/err"; } ||
    fail "password in a command-line URL must be refused (rc=$rc)"
# several formats from one query of the vCenter govc points at
run "GOVC_URL=https://vmxuser:$PW_URL@127.0.0.1:$PORT" "GOVC_TLS_CA_CERTS=$CA" -- \
    audit -q --output "json:$work/a.json" --output "csv:$work/a.csv"
{ [ $rc -eq 1 ] && [ -s "$work/a.json" ] && [ "$(grep -c DC0_ "$work/a.csv")" -gt 0 ]; } ||
    fail "multi-format run from GOVC_URL (rc=$rc)"
grep -qF "$PW" "$work/a.json" "$work/a.csv" && fail "password in a report"
grep -q '"targets":\["https://127.0.0.1:'"$PORT"'/sdk"\]' "$work/a.json" ||
    fail "the report names the target without its user part: $(grep -o '"targets":[^]]*]' "$work/a.json")"
if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "govc environment: all cases passed"
