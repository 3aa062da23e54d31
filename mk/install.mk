# make install / uninstall: binary, man page, completions and docs.
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

uninstall:
	rm -f $(BINDIR)/vmxguard $(MANDIR)/vmxguard.1 $(BASHDIR)/vmxguard $(ZSHDIR)/_vmxguard
	rm -f $(addprefix $(DOCDIR)/,$(notdir $(DOCS)))
	-rmdir $(DOCDIR) 2>/dev/null

deb:
	bash scripts/build-deb.sh

check-package:
	bash tests/package/check_package.sh
