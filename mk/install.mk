# make install / uninstall: binary, man page, completions and docs, and
# libvmxguard (shared and static) with its headers and pkg-config file.
#
#   make install PREFIX=/usr/local DESTDIR=   build, then install-files
#   make install-files BUILD=dir              install what is already built in dir
#   make uninstall PREFIX=... DESTDIR=...     remove exactly what install put there
#   make deb                                  Debian package into build-deb/ (scripts/build-deb.sh)
#   make check-package                        build, install, run and remove the package
#
# debian/rules uses install-files with its own build dir, so the package and
# `make install` lay out the same files.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(DESTDIR)$(PREFIX)/bin
MANDIR   = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR  = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
# Debian's zsh reads vendor-completions for packages; a local install goes
# where zsh's default fpath already looks.
ZSHDIR   = $(DESTDIR)$(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
DOCDIR   = $(DESTDIR)$(PREFIX)/share/doc/vmxguard
# Debian puts libraries in lib/<multiarch> (debian/rules sets LIBDIR)
LIBDIR  ?= $(PREFIX)/lib
INCDIR   = $(DESTDIR)$(PREFIX)/include
PCDIR    = $(DESTDIR)$(LIBDIR)/pkgconfig
HEADERS  = $(wildcard include/vmxguard/*.h)
SONAME   = libvmxguard.so.0
DOCS     = README.md $(wildcard docs/*.md) $(wildcard docs/*.json)

.PHONY: install install-files uninstall deb check-package

# Sequential on purpose: under make -j a prerequisite list runs in parallel.
install:
	$(MAKE) build
	$(MAKE) install-files

install-files:
	@test -x $(BUILD)/vmxguard || \
	  { echo "install: $(BUILD)/vmxguard is not built (make build, or BUILD=dir)" >&2; exit 1; }
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(DOCDIR)
	install -m 0755 $(BUILD)/vmxguard $(BINDIR)/vmxguard
	install -m 0644 man/vmxguard.1 $(MANDIR)/vmxguard.1
	install -m 0644 completions/vmxguard.bash $(BASHDIR)/vmxguard
	install -m 0644 completions/_vmxguard $(ZSHDIR)/_vmxguard
	install -m 0644 $(DOCS) $(DOCDIR)/
	@test -f $(BUILD)/libvmxguard.a || \
	  { echo "install: $(BUILD)/libvmxguard.a is not built (make build, or BUILD=dir)" >&2; exit 1; }
	install -d $(DESTDIR)$(LIBDIR) $(PCDIR) $(INCDIR)/vmxguard
	install -m 0644 include/vmxguard.h $(INCDIR)/vmxguard.h
	install -m 0644 $(HEADERS) $(INCDIR)/vmxguard/
	install -m 0644 $(BUILD)/libvmxguard.a $(DESTDIR)$(LIBDIR)/libvmxguard.a
	@# the static build (VG_STATIC) has no shared library
	if [ -f $(BUILD)/$(SONAME) ]; then \
	  install -m 0644 $$(readlink -f $(BUILD)/$(SONAME)) $(DESTDIR)$(LIBDIR)/ && \
	  ln -sf $$(basename $$(readlink -f $(BUILD)/$(SONAME))) $(DESTDIR)$(LIBDIR)/$(SONAME) && \
	  ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvmxguard.so; fi
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' $(BUILD)/vmxguard.pc.in >$(PCDIR)/vmxguard.pc
	chmod 0644 $(PCDIR)/vmxguard.pc

uninstall:
	rm -f $(BINDIR)/vmxguard $(MANDIR)/vmxguard.1 $(BASHDIR)/vmxguard $(ZSHDIR)/_vmxguard
	rm -f $(addprefix $(DOCDIR)/,$(notdir $(DOCS)))
	-rmdir $(DOCDIR) 2>/dev/null
	rm -f $(INCDIR)/vmxguard.h $(addprefix $(INCDIR)/vmxguard/,$(notdir $(HEADERS)))
	-rmdir $(INCDIR)/vmxguard 2>/dev/null
	rm -f $(DESTDIR)$(LIBDIR)/libvmxguard.a $(DESTDIR)$(LIBDIR)/libvmxguard.so \
	  $(DESTDIR)$(LIBDIR)/libvmxguard.so.0* $(PCDIR)/vmxguard.pc
	-rmdir $(PCDIR) 2>/dev/null

deb:
	bash scripts/build-deb.sh

check-package:
	bash tests/package/check_package.sh
