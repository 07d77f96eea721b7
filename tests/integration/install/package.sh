#!/usr/bin/env bash
# Builds the .deb with CPack, checks its metadata and contents, installs it with dpkg -i, uses it, removes it
# with dpkg -r and checks that every file it installed is gone. Any failure exits 1 with one line saying what.
set -euo pipefail
: "${NCBCTL:?the built ncbctl}" "${BUILD_DIR:?the build tree}"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "dpkg -i needs root (CI runs as root)"
for t in cpack dpkg-shlibdeps dpkg-deb man; do command -v $t >/dev/null || fail "$t missing: scripts/deps package"; done
# dpkg, retried while another dpkg or apt (scripts/deps of a parallel job) holds its lock; any other failure is final.
dpkg_retry() {
  local try
  for try in $(seq 1 120); do
    if dpkg "$@" >"$work/dpkg.log" 2>&1; then return 0; fi
    grep -q 'lock' "$work/dpkg.log" || return 1
    sleep 5
  done
  return 1
}
installed() { dpkg-query -W -f='${Status}' ncbctl 2>/dev/null | grep -q 'install ok installed'; }
installed && fail "ncbctl is already installed on this machine; remove it (dpkg -r ncbctl) before this test"

work=$(mktemp -d)
we_installed=0
cleanup() {
  [ $we_installed -eq 1 ] && installed && dpkg_retry -r ncbctl
  rm -rf "$work"
}
trap cleanup EXIT

# Build: the package of this build tree (cpack runs the install rules into its own staging dir).
(cd "$BUILD_DIR" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack -G DEB"; }
mapfile -t debs < <(find "$work/out" -maxdepth 1 -name 'ncbctl_*.deb')
[ ${#debs[@]} -eq 1 ] || fail "expected one ncbctl_*.deb in $work/out, found ${#debs[@]}"
deb=${debs[0]}

# Metadata: the project's version, Depends computed from the binary's shared libraries.
version=$("$NCBCTL" --version | awk '{print $2}')
[ "$(dpkg-deb -f "$deb" Package)" = ncbctl ] || fail "Package is not ncbctl"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version $(dpkg-deb -f "$deb" Version) is not the project's $version"
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "no Depends: dpkg-shlibdeps did not run"
dpkg-deb -x "$deb" "$work/root"
for lib in $(objdump -p "$work/root/usr/bin/ncbctl" | awk '/NEEDED/{print $2}'); do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !seen {print $NF; seen = 1}')  # no early exit: pipefail
  [ -n "$path" ] || fail "$lib (NEEDED by ncbctl) not found by ldconfig"
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | awk -F: 'NR == 1 {print $1}') || true
  [ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | awk -F: 'NR == 1 {print $1}')
  [ -n "$pkg" ] || fail "no package owns $path ($lib)"
  # The package itself or a name it Provides (libspdlog1.10 provides the libspdlog1.10-fmt9 its shlibs names).
  names="$pkg $(dpkg-query -W -f='${Provides}' "$pkg" 2>/dev/null | sed 's/([^)]*)//g; s/,/ /g')"
  found=0
  for n in $names; do
    [[ ", $depends," == *", $n "* || ", $depends," == *", $n,"* ]] && found=1
  done
  [ $found -eq 1 ] || fail "Depends ($depends) lacks $pkg (or what it provides), which ships $lib"
done

# Contents, in the standard directories.
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/ncbctl ./usr/share/man/man1/ncbctl.1 ./usr/share/man/man1/ncbctl-upgrade.1 \
  ./usr/share/man/man1/ncbctl-init.1 ./usr/share/bash-completion/completions/ncbctl \
  ./usr/share/zsh/vendor-completions/_ncbctl ./usr/share/doc/ncbctl/examples/docker.yaml \
  ./usr/share/doc/ncbctl/examples/systemd/ncbctl-backup.timer \
  ./usr/share/doc/ncbctl/examples/systemd/ncbctl-backup.service ./usr/share/doc/ncbctl/copyright \
  ./usr/share/doc/ncbctl/inventory.md; do
  grep -qxF "$f" <<<"$contents" || fail "the package lacks $f"
done

# Install and use it as an operator would.
dpkg_retry -i "$deb" || { cat "$work/dpkg.log" >&2; fail "dpkg -i $deb"; }
we_installed=1
mapfile -t owned < <(dpkg -L ncbctl)
[ "$(/usr/bin/ncbctl --version)" = "ncbctl $version" ] || fail "/usr/bin/ncbctl --version: $(/usr/bin/ncbctl --version)"
[ "$(man -w ncbctl)" = /usr/share/man/man1/ncbctl.1 ] || fail "man -w ncbctl: $(man -w ncbctl 2>&1)"
man -w ncbctl-backup >/dev/null || fail "man -w ncbctl-backup"
page=$(MANWIDTH=100 man ncbctl 2>/dev/null | col -b)  # read whole: grep -q in the pipe would SIGPIPE man
grep -q 'EXIT STATUS' <<<"$page" || fail "man ncbctl shows no EXIT STATUS"
ex=/usr/share/doc/ncbctl/examples
(cd "$work" && env -u NCBCTL_INVENTORY /usr/bin/ncbctl -i "$ex/docker.yaml" validate --no-file-checks >"$work/validate.out") \
  || fail "validate of the installed $ex/docker.yaml"
grep -q "^OK $ex/docker.yaml: cluster shop-prod" "$work/validate.out" || fail "validate printed: $(cat "$work/validate.out")"
# The installed bash completion, as bash-completion loads it, completes a node name through /usr/bin/ncbctl.
got=$(cd "$work" && env -u NCBCTL_INVENTORY PATH=/usr/bin:/bin bash --norc --noprofile -c '
  source /usr/share/bash-completion/completions/ncbctl
  COMP_WORDS=(ncbctl -i "$1" logs ""); COMP_CWORD=4; _ncbctl; echo "${COMPREPLY[*]}"' _ "$ex/docker.yaml")
[ "$got" = "app1 app2 app3" ] || fail "installed completion of 'ncbctl -i docker.yaml logs <TAB>': [$got]"
(cd "$work" && /usr/bin/ncbctl init --driver ssh --preset pm2 --lb nginx >/dev/null 2>&1 &&
  /usr/bin/ncbctl validate --no-file-checks >/dev/null 2>&1) || fail "init then validate with the installed binary"

# Remove it: nothing it installed is left.
dpkg_retry -r ncbctl || { cat "$work/dpkg.log" >&2; fail "dpkg -r ncbctl"; }
installed && fail "ncbctl still installed after dpkg -r"
left=()
for f in "${owned[@]}"; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  # Shared directories (/usr/bin, /usr/share/man/man1...) stay; the package's own go with it.
  [ -d "$f" ] && [[ $f != /usr/share/doc/ncbctl* ]] && continue
  left+=("$f")
done
[ ${#left[@]} -eq 0 ] || fail "left behind after dpkg -r: ${left[*]}"
[ ${#owned[@]} -gt 10 ] || fail "dpkg -L listed only ${#owned[@]} paths"
echo "package: ncbctl_${version} built ($(du -k "$deb" | cut -f1) KiB, Depends: $depends), installed, used, removed clean"
echo "1 passed, 0 failed"
