#!/usr/bin/env bash
# Content-library replies are hostile input (issue 18): a loopback REST
# server plays a vCenter whose session token carries a header break, whose
# download address points at another host, whose descriptor is larger than
# 16 MiB, or whose ids hold path characters.  Each is refused with a clear
# message (exit 2), the token is never sent back as a header, nothing is
# fetched from the other host, and a well-behaved server's item is audited.
set -u
: "${VMXGUARD:?}"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fails=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
cat >"$work/server.py" <<'PY'
import http.server, json, sys
scenario, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
OVF = (b'<Envelope xmlns:vmw="http://www.vmware.com/schema/ovf"><VirtualSystem><Name>x</Name>'
       b'<VirtualHardwareSection><vmw:ExtraConfig vmw:key="RemoteDisplay.maxConnections" '
       b'vmw:value="3"/></VirtualHardwareSection></VirtualSystem></Envelope>\n')
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def reply(self, value=None, raw=None, code=200):
        body = raw if raw is not None else json.dumps({"value": value}).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def route(self):
        with open(log, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path,
                                    self.headers.get("vmware-api-session-id", "-")))
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        p, host = self.path, "http://127.0.0.1:%d" % self.server.server_port
        if p == "/rest/com/vmware/cis/session":
            if self.command == "DELETE":
                return self.reply(None)
            return self.reply("tok\r\nX-Evil: 1" if scenario == "token" else "tok-1")
        if p == "/rest/com/vmware/content/library":
            return self.reply(["../etc" if scenario == "ids" else "lib-1"])
        if p.startswith("/rest/com/vmware/content/library/id:"):
            return self.reply({"name": "golden"})
        if p.startswith("/rest/com/vmware/content/library/item?"):
            return self.reply(["item-1"])
        if p.startswith("/rest/com/vmware/content/library/item/id:"):
            return self.reply({"name": "app", "type": "ovf"})
        if p == "/rest/com/vmware/content/library/item/download-session":
            return self.reply("sess-1")
        if p.startswith("/rest/com/vmware/content/library/item/downloadsession/file?"):
            return self.reply([{"name": "app.ovf"}, {"name": "app-disk1.vmdk"}])
        if "~action=prepare" in p:
            return self.reply(None)
        if "~action=get" in p:
            uri = ("http://192.0.2.1:9/data/app.ovf" if scenario == "elsewhere"
                   else host + "/data/app.ovf")
            return self.reply({"status": "PREPARED", "download_endpoint": {"uri": uri}})
        if p.startswith("/rest/com/vmware/content/library/item/download-session/id:"):
            return self.reply(None)
        if p == "/data/app.ovf":
            if scenario == "huge":
                return self.reply(raw=OVF + b"<!--" + b"x" * (17 << 20) + b"-->")
            return self.reply(raw=OVF)
        return self.reply(raw=b"not found", code=404)
    do_GET = do_POST = do_DELETE = route
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile, "w").write(str(s.server_port))
s.serve_forever()
PY
export VMXGUARD_USER=u VMXGUARD_PASSWORD=p
run() { # run SCENARIO: starts the server, audits, stops it
    rm -f "$work/port" "$work/log"
    python3 "$work/server.py" "$1" "$work/port" "$work/log" &
    pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    # the SOAP side is not served: only the library part is looked at
    timeout 60 "$VMXGUARD" audit --include-templates --no-folder-evidence \
        "http://127.0.0.1:$(cat "$work/port")/sdk" >"$work/$1.out" 2>"$work/$1.err"
    echo $? >"$work/$1.rc"
    kill "$pid"; wait "$pid" 2>/dev/null; pid=
}
run good
check "good: the item is audited" grep -q '^golden/app$' "$work/good.out"
check "good: its evidence names the library" grep -qF '(app.ovf:1)' "$work/good.out"
run token
check "token: refused" grep -q 'the session token is not an id (refused)' "$work/token.err"
check "token: never sent back" bash -c "! grep -q 'Evil' '$work/log'"
run elsewhere
check "elsewhere: refused" grep -q 'download address of app.ovf is not on this server (refused)' "$work/elsewhere.err"
check "elsewhere: exit 2" test "$(cat "$work/elsewhere.rc")" -eq 2
run huge
check "huge: refused" grep -q 'reply larger than 16777216 bytes (refused)' "$work/huge.err"
run ids
check "ids: a path-like id is never put in a URL" bash -c "! grep -q 'id:\.\./' '$work/log'"
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all hostile content-library checks passed"
