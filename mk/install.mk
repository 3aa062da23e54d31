# make install / uninstall: binary, man page, completions, docs.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(DESTDIR)$(PREFIX)/bin
MANDIR   = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR  = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR   = $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
DOCDIR   = $(DESTDIR)$(PREFIX)/share/doc/vmxguard

.PHONY: install install-files uninstall deb check-package

install: build install-files

install-files:
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(DOCDIR)
	install -m 0755 $(BUILD)/vmxguard $(BINDIR)/vmxguard
	install -m 0644 man/vmxguard.1 $(MANDIR)/vmxguard.1
	install -m 0644 completions/vmxguard.bash $(BASHDIR)/vmxguard
	install -m 0644 completions/_vmxguard $(ZSHDIR)/_vmxguard
	install -m 0644 README.md $(DOCDIR)/README.md
	for f in docs/*.md; do install -m 0644 "$$f" $(DOCDIR)/; done

uninstall:
	rm -f $(BINDIR)/vmxguard $(MANDIR)/vmxguard.1 $(BASHDIR)/vmxguard $(ZSHDIR)/_vmxguard
	rm -rf $(DOCDIR)

# Debian package from the repo (debian/), then lintian.
deb:
	bash scripts/build-deb.sh

check-package:
	bash tests/package/check_package.sh
