# make static: a statically linked vmxguard for copying into any x86-64
# Linux guest or onto an ESXi host's shell (busybox, no shared libraries
# vmxguard could use): audit, fix, logs, vmx, guest, explain, profiles.
#
# A fully static vmxguard is impossible with Debian's packages: libcurl.a
# exists, but its dependencies (nghttp2, krb5/gssapi, ldap, psl, ssh2, rtmp,
# zstd) ship no static archives.  libxml2, ICU, lzma, zlib, jansson and
# libyaml do, and only the vSphere module needs curl, so this builds the
# CLI without the vSphere client (cmake/vsphere_unavailable.c answers every
# vSphere call with a clear message), with glibc -static.  Accounts are read from
# the guest's /etc/passwd directly (no NSS), so nothing is loaded at run time.
#
#   make static       install build dependencies, then build $(STATIC_BIN)
#   make static-bin   just build (used by tests/integration/guest_qemu.sh)

STATIC_BUILD   ?= build-static
STATIC_BIN      = $(STATIC_BUILD)/vmxguard-static

.PHONY: static static-bin

static: deps static-bin

# The build itself is CMake's: VG_STATIC=ON links with -static against
# Debian's static archives (pkg-config --static) and implies
# VG_WITH_VSPHERE=OFF, which leaves src/vsphere/ and the vCenter-only
# commands out and links cmake/vsphere_unavailable.c instead.
static-bin:
	@# Warnings are errors in the development builds; a release artifact
	@# should not fail on a new compiler's opinion of optimised code.
	@cmake -S . -B $(STATIC_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DVG_WERROR=OFF \
	  -DVG_STATIC=ON >/dev/null
	@rm -f $(STATIC_BIN) # a stale file must not pass for a fresh build
	cmake --build $(STATIC_BUILD) -j $(JOBS) --target vmxguard 2>&1 | \
	  { grep -Ev 'statically linked applications requires at runtime|: in function .(uprv_dl_open|xmlNanoHTTP)' || true; }
	@cp $(STATIC_BUILD)/vmxguard $(STATIC_BIN)
	@file $(STATIC_BIN) | grep -q 'statically linked' || \
	  { echo "static: $(STATIC_BIN) is not statically linked" >&2; exit 1; }
	@echo "static: $(STATIC_BIN) ($$(du -h $(STATIC_BIN) | cut -f1), no shared libraries)"
