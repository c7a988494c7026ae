#!/usr/bin/env bash
# Builds the release archive for this machine (`dist build`, as the release workflow does) and
# the Debian package (`cargo deb`) from a clean clone of the current commit, unpacks both into
# a temporary root and runs what they ship: the binary, its completions, its man pages.
#
#   bench/package.sh            # needs `dist` and `cargo deb` (see "Needs" below)
#
# One optimised build (LTO, one codegen unit): about 4 minutes on 2 cores. Not part of
# `.ci/run`; the release workflow builds every target when a `v*` tag is pushed.
#
# Needs: `dist` at the version dist-workspace.toml pins (`pip install
# astral-dev-toolchain-cargo-dist==VERSION`, the dist binary as a wheel), `cargo deb`
# (`cargo install --locked cargo-deb`), xz, dpkg-deb and man (Debian: man-db, installed here
# when missing and running as root). CARGO_TARGET_DIR is honoured, so a warm target directory
# saves the dependency builds; the sources always come from the clean clone.
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/imsjob-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

for tool in dist cargo-deb xz dpkg-deb; do
    command -v "$tool" >/dev/null || fail "\`$tool\` is not installed (see the top of $0)"
done
if ! command -v man >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq man-db >/dev/null
    else
        fail "\`man\` is not installed (Debian: apt-get install man-db)"
    fi
fi

step "clean clone of $(git -C "$repo" rev-parse --short HEAD)"
git clone --quiet --no-hardlinks "$repo" "$work/src"
cd "$work/src"
commit=$(git rev-parse --short HEAD)
target_dir=${CARGO_TARGET_DIR:-$work/src/target}
export CARGO_TARGET_DIR=$target_dir
host=$(rustc -vV | sed -n 's/^host: //p')
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
pinned=$(sed -n 's/^cargo-dist-version = "\(.*\)"/\1/p' dist-workspace.toml)
dist --version | grep -qx "cargo-dist $pinned" ||
    fail "dist-workspace.toml pins dist $pinned, found: $(dist --version)"
echo "imsjob $version for $host; dist $pinned; cargo-deb $(cargo deb --version | awk '{print $NF}')"

step "release workflow is up to date (dist generate --check)"
dist generate --check >/dev/null || fail ".github/workflows/release.yml is stale: run \`dist generate\`"
echo ok

step "dist build (archive, checksum, installers)"
start=$SECONDS
dist build --artifacts=local --target "$host" >"$work/dist-local.log" 2>&1 ||
    { cat "$work/dist-local.log"; fail "dist build --artifacts=local"; }
dist build --artifacts=global >"$work/dist-global.log" 2>&1 ||
    { cat "$work/dist-global.log"; fail "dist build --artifacts=global"; }
echo "built in $((SECONDS - start)) s"
# dist writes its artifacts to target/distrib in the workspace, whatever CARGO_TARGET_DIR says.
distrib=$work/src/target/distrib
archive=imsjob-$host.tar.xz
(cd "$distrib" && ls -l "$archive" "$archive.sha256" imsjob-installer.sh imsjob-installer.ps1 | awk '{print $5, $NF}')
(cd "$distrib" && sha256sum -c "$archive.sha256") || fail "checksum of $archive"
# The README's recipes and their tests rely on this exact format (tests/fixtures/dist/): the
# hash, ` *`, the file name, then an empty line.
shape() { sed 's/^[0-9a-f]\{64\} \*imsjob-[a-z0-9_-]*\.tar\.xz$/HASH *FILE/' "$1" | od -c; }
[ "$(shape "$distrib/$archive.sha256")" = "$(shape tests/fixtures/dist/imsjob-x86_64-unknown-linux-gnu.tar.xz.sha256)" ] ||
    fail "dist's .sha256 format changed: update tests/fixtures/dist/ and check the README's recipes"
# The recipes' check, with BusyBox's sha256sum where there is one (Alpine's).
for sum in sha256sum "busybox sha256sum"; do
    command -v "${sum%% *}" >/dev/null || continue
    (cd "$distrib" && echo "$(cut -d ' ' -f 1 "$archive.sha256")  $archive" | $sum -c) ||
        fail "the README's check fails with $sum"
done
sh -n "$distrib/imsjob-installer.sh" || fail "the shell installer does not parse"
grep -q "releases/download/v$version" "$distrib/imsjob-installer.sh" ||
    fail "the shell installer does not download v$version from the GitHub release"

step "cargo deb (the same optimised binary, not rebuilt)"
cargo deb --no-build --target "$host" --profile dist --output "$work/deb" >"$work/deb.log" 2>&1 ||
    { cat "$work/deb.log"; fail "cargo deb"; }
deb=$(ls "$work"/deb/*.deb)
ls -l "$deb" | awk '{print $5, $NF}'
# Asked for the required fields, dpkg warns on stderr about any the control file lacks
# (`dpkg-deb --info` does not).
dpkg-deb --field "$deb" Package Version Architecture Maintainer Depends Section 2>"$work/deb-field.err"
[ ! -s "$work/deb-field.err" ] || { cat "$work/deb-field.err"; fail "dpkg-deb warned about the control file"; }

step "unpack both into a temporary root"
root=$work/root
mkdir -p "$root/archive" "$root/deb"
tar -xJf "$distrib/$archive" -C "$root/archive"
dpkg-deb -x "$deb" "$root/deb"
(cd "$root" && find . -type f | sort)

expect_files() {
    local base=$1
    shift
    for file in "$@"; do
        [ -s "$base/$file" ] || fail "$base lacks $file"
    done
}
in_archive=$root/archive/imsjob-$host
expect_files "$in_archive" imsjob README.md LICENSE-MIT LICENSE-APACHE \
    doc/imsjob.1 doc/imsjob-wait.1 completions/imsjob.bash completions/_imsjob \
    completions/imsjob.fish completions/_imsjob.ps1
expect_files "$root/deb" usr/bin/imsjob usr/share/man/man1/imsjob.1.gz \
    usr/share/man/man1/imsjob-wait.1.gz \
    usr/share/bash-completion/completions/imsjob \
    usr/share/zsh/vendor-completions/_imsjob \
    usr/share/fish/vendor_completions.d/imsjob.fish \
    usr/share/doc/imsjob/copyright

for bin in "$in_archive/imsjob" "$root/deb/usr/bin/imsjob"; do
    step "${bin#"$root"/}"
    out=$("$bin" --version)
    echo "--version: $out"
    [ "$out" = "imsjob $version ($commit $(git log -1 --format=%cs))" ] ||
        fail "--version does not name commit $commit"
    out=$("$bin" -V)
    echo "-V:        $out"
    [ "$out" = "imsjob $version" ] || fail "-V is not terse"
    lines=$("$bin" completions bash | wc -l)
    echo "completions bash: $lines lines"
    [ "$lines" -gt 0 ] || fail "empty bash completions"
    "$bin" completions bash | cmp -s - "$root/deb/usr/share/bash-completion/completions/imsjob" ||
        fail "the packaged bash completions differ from what the binary generates"
    size=$(stat -c %s "$bin")
    echo "size: $size bytes"
done

step "man -l on the packaged pages"
for page in "$root/deb/usr/share/man/man1/imsjob.1.gz" "$in_archive/doc/imsjob-wait.1"; do
    # Piped, man-db prints plain text (no overstrike), and groff's warnings go to stderr.
    rendered=$(MANWIDTH=80 man -l "$page" 2>"$work/man.err")
    [ ! -s "$work/man.err" ] || { cat "$work/man.err"; fail "man warned about ${page#"$root"/}"; }
    echo "${page#"$root"/}: $(wc -l <<<"$rendered") lines"
    grep -q "EXIT CODES" <<<"$rendered" || fail "${page#"$root"/} has no EXIT CODES section"
    head -4 <<<"$rendered"
done

step "all packaging checks passed"
