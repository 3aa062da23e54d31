#!/usr/bin/env bash
# Secrets (issue 11, part 5).  A marker password given the supported ways
# (VMXGUARD_PASSWORD, --credentials) must never show in argv, stdout, stderr,
# any report format, or a core file of the logged-in process; a
# password in the URL is refused; secret-bearing .vmx values are redacted in
# every report format unless --show-secrets.
set -uo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
SERVER=$VG_SOURCE_DIR/tests/fixtures/hostile/hostile_server.py
PW=Marker-Secret-8f3k
FORMATS="text json jsonl csv junit sarif xccdf ckl cklb html"
w=$(mktemp -d)
pid= cpid=
cleanup() { for p in $cpid $pid; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"; }
trap cleanup EXIT
fails=0 known=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Checks that fail because of bugs other modules must fix (docs/security.md,
# "Known bugs"): reported as KNOWN BUG, exit 77 (ctest: skipped, never
# silently) while any remains; VG_STRICT=1 makes them plain failures.
known_bug() {
    if [ "${VG_STRICT:-0}" = 1 ]; then fail "$*"; else echo "KNOWN BUG: $*"; known=$((known + 1)); fi
}
has_pw() { grep -rlaF -- "$PW" "$@" 2>/dev/null | head -3; }

# The honest fake endpoint, over HTTPS with a throwaway CA.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$w/key.pem" -out "$w/cert.pem" 2>/dev/null ||
    { echo "openssl cannot make a test certificate"; exit 1; }
start() { # scenario
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -f "$w/port"; : > "$w/log"
    python3 "$SERVER" --scenario "$1" --port-file "$w/port" --log "$w/log" \
        --cert "$w/cert.pem" --key "$w/key.pem" --password "$PW" &
    pid=$!
    for _ in $(seq 200); do [ -s "$w/port" ] && break; sleep 0.05; done
    [ -s "$w/port" ] || { echo "server did not start"; exit 1; }
    URLV=vsphere://auditor@127.0.0.1:$(cat "$w/port")
}
export VMXGUARD_USER=auditor
printf 'user=auditor\npassword=%s\n' "$PW" > "$w/cred"; chmod 600 "$w/cred"

# 1. every report format from a vSphere audit, password from the environment
start ok
mkdir -p "$w/rep"
for f in $FORMATS; do
    dest=(-o "$w/rep/report.$f")
    # one checklist per VM: ckl and cklb write into a folder
    case $f in ckl*) mkdir -p "$w/rep/$f"; dest=(--output-dir "$w/rep/$f") ;; esac
    VMXGUARD_PASSWORD=$PW timeout 60 "$VMXGUARD" audit --cacert "$w/cert.pem" --format "$f" \
        "${dest[@]}" "$URLV" > "$w/rep/stdout.$f" 2> "$w/rep/stderr.$f"
    rc=$?
    [ "$rc" -le 1 ] && [ -n "$(ls "$w/rep" | grep -F "$f")" ] || fail "audit --format $f: exit $rc: $(head -c 300 "$w/rep/stderr.$f")"
done
# each audit logged in (possibly over several connections) with the password
n=$(grep -c '^Login password-received' "$w/log")
[ "$n" -ge 10 ] && ! grep -qx Login "$w/log" ||
    fail "the server did not get the password in every Login (test set-up): $(sort "$w/log" | uniq -c | tr '\n' ' ')"
grep -q DC0_C0_RP0_VM0 "$w/rep/report.json" || fail "json report lacks the VMs (test set-up)"
f=$(has_pw "$w/rep"); [ -z "$f" ] || fail "password in reports/output: $f"

# 2. errors: wrong password, unreachable server, bad certificate
VMXGUARD_PASSWORD=$PW timeout 60 "$VMXGUARD" vsphere ping "$URLV" > "$w/e1" 2>&1   # untrusted cert
VMXGUARD_PASSWORD=$PW timeout 60 "$VMXGUARD" audit vsphere://auditor@127.0.0.1:9 > "$w/e2" 2>&1
timeout 60 "$VMXGUARD" vsphere ping --credentials "$w/cred" --cacert "$w/cert.pem" "$URLV" > "$w/e3" 2>&1
grep -q VirtualCenter "$w/e3" || fail "ping with --credentials did not work: $(head -c 300 "$w/e3")"
f=$(has_pw "$w/e1" "$w/e2" "$w/e3"); [ -z "$f" ] || fail "password in error output: $f"

# 3. a password in the URL or on the command line is refused, and not echoed
for u in "vsphere://auditor:$PW@127.0.0.1:1" "https://auditor:$PW@127.0.0.1:1/sdk"; do
    timeout 60 "$VMXGUARD" audit "$u" > "$w/u" 2>&1; rc=$?
    [ $rc = 2 ] || fail "URL password: exit $rc"
    grep -qi 'password in the target URL is refused' "$w/u" || fail "URL password: no clear refusal: $(head -c 300 "$w/u")"
    [ -z "$(has_pw "$w/u")" ] || fail "URL password echoed"
    timeout 60 "$VMXGUARD" vsphere ping "$u" > "$w/u" 2>&1; rc=$?
    [ $rc = 2 ] && [ -z "$(has_pw "$w/u")" ] || fail "vsphere ping URL password: exit $rc or echoed"
done
for opt in --password "--password=$PW" -p; do
    timeout 60 "$VMXGUARD" vsphere ping $opt "$PW" "$URLV" > "$w/u" 2>&1; rc=$?
    [ $rc = 2 ] || fail "vsphere ping $opt: exit $rc (an option taking a password?)"
    [ -z "$(has_pw "$w/u")" ] || known_bug "vsphere ping $opt: the usage error echoes the password: $(head -c 200 "$w/u")"
done

# 4. the running, logged-in process: argv, and no core file can hold the
# password.  While later sessions may still log in the password must stay in
# memory, so the defence is a non-dumpable process (PR_SET_DUMPABLE 0: no
# core file, no ptrace by other users).  The client runs as nobody so the
# flag is visible: /proc/PID/* of a non-dumpable process belong to root.
start stall
chmod 755 "$w"; chmod 644 "$w/cert.pem"
cp "$w/cred" "$w/cred.nobody"; chown 65534:65534 "$w/cred.nobody"; chmod 600 "$w/cred.nobody"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_nobody test -x "$VMXGUARD" ||
    fail "the binary is not reachable by nobody ($VMXGUARD): cannot check the dumpable flag"
for how in env file; do
    if [ $how = env ]; then
        # env and setpriv exec in turn, so $! is vmxguard's own pid
        env VMXGUARD_PASSWORD="$PW" setpriv --reuid=65534 --regid=65534 --clear-groups \
            "$VMXGUARD" audit --cacert "$w/cert.pem" "$URLV" > /dev/null 2>&1 &
    else
        env -u VMXGUARD_PASSWORD setpriv --reuid=65534 --regid=65534 --clear-groups \
            "$VMXGUARD" audit --credentials "$w/cred.nobody" --cacert "$w/cert.pem" "$URLV" > /dev/null 2>&1 &
    fi
    cpid=$!
    for _ in $(seq 400); do grep -q RetrievePropertiesEx "$w/log" && break; sleep 0.05; done
    grep -q RetrievePropertiesEx "$w/log" || fail "$how: client never got past Login"
    tr '\0' ' ' < /proc/$cpid/cmdline > "$w/cmdline"
    [ -z "$(has_pw "$w/cmdline")" ] || fail "$how: password in argv"
    [ "$(awk '/^Uid:/ {print $2}' /proc/$cpid/status)" = 65534 ] ||
        fail "$how: the process does not run as nobody (setpriv?)"
    owner=$(stat -c %u /proc/$cpid/mem)
    [ "$owner" = 0 ] || fail "$how: the logged-in process is dumpable (/proc/PID/mem owned by $owner): a core file would hold the password"
    kill -KILL $cpid 2>/dev/null; wait $cpid 2>/dev/null; cpid=
    : > "$w/log"
done

# 5. secret-bearing .vmx keys: redacted in every format, shown on request
mkdir -p "$w/ds/vm1"
cat > "$w/ds/vm1/vm1.vmx" <<'VMX'
displayName = "vm1"
RemoteDisplay.vnc.enabled = "TRUE"
RemoteDisplay.vnc.password = "Vnc-Secret-x1y2"
guestinfo.db_password = "Db-Secret-a9b8"
guestinfo.api.token = "Token-Secret-c7d6"
guestinfo.appSecret = "App-Secret-e5f4"
guestinfo.ssh_key = "Key-Secret-g3h2"
guestinfo.svc_credential = "Cred-Secret-i1j0"
guestinfo.hostname = "Plain-Value-k9l8"
VMX
cat > "$w/site.yaml" <<'YAML'
rules:
YAML
i=0
for k in RemoteDisplay.vnc.password guestinfo.db_password guestinfo.api.token guestinfo.appSecret \
         guestinfo.ssh_key guestinfo.svc_credential guestinfo.hostname; do
    i=$((i + 1))
    cat >> "$w/site.yaml" <<YAML
  - id: secret-probe-$i
    title: Probe $k
    description: Reads $k so its value reaches the report.
    kind: vmx-key
    type: string
    key: $k
    fix: Remove it.
YAML
done
printf 'profile:\n  id: secret-probes\n  title: Secret probes\n  source: secrets.sh\n  version: "1"\n  rules:\n' >> "$w/site.yaml"
for j in $(seq $i); do
    printf '    - {rule: secret-probe-%d, source_id: SP-%d, cmp: eq, value: "expected", severity: low}\n' $j $j >> "$w/site.yaml"
done
SECRETS="Vnc-Secret-x1y2 Db-Secret-a9b8 Token-Secret-c7d6 App-Secret-e5f4 Key-Secret-g3h2 Cred-Secret-i1j0"
for f in $FORMATS; do
    for mode in default show; do
        extra=(); [ $mode = show ] && extra=(--show-secrets)
        out=$w/vmx.$mode.$f
        timeout 60 "$VMXGUARD" audit --profile-file "$w/site.yaml" --profile secret-probes \
            --format "$f" "${extra[@]}" -o "$out" "$w/ds" > "$out.stdout" 2> "$out.stderr"; rc=$?
        [ $rc = 1 ] || { fail "vmx $f $mode: exit $rc: $(head -c 300 "$out.stderr")"; continue; }
        # the plain value proves the report shows values at all
        grep -qF Plain-Value-k9l8 "$out" || { fail "vmx $f $mode: value of guestinfo.hostname not shown"; continue; }
        for s in $SECRETS; do
            if [ $mode = default ]; then
                grep -qF "$s" "$out" "$out.stdout" "$out.stderr" && fail "vmx $f: $s not redacted"
            else
                grep -qF "$s" "$out" || fail "vmx $f --show-secrets: $s not shown"
            fi
        done
    done
done
if [ -s "$w/vmx.default.text" ] && ! grep -q 'redacted' "$w/vmx.default.text"; then
    fail "text report does not say <redacted>"
fi

[ $fails -gt 0 ] && exit 1
[ $known -gt 0 ] && { echo "secrets: passed except $known KNOWN BUG check(s)"; exit 77; }
echo "secrets: all passed"
