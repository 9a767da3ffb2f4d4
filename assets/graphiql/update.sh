#!/bin/sh
# Re-creates this folder's vendored files from the npm registry at the versions below, so that
# GraphiQL is served from the binary (src/http/graphiql.rs) and never from a CDN. Change a
# version here, run this script, then `cargo test --test api graphiql` and look at the page.
set -eu

GRAPHIQL_VERSION=3.9.0
REACT_VERSION=18.3.1

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# `npm pack` fetches the published tarball and checks it against the registry's integrity hash.
fetch() { # package version file-in-package destination
    if [ ! -d "$work/$1" ]; then
        mkdir -p "$work/$1"
        (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
        tar -xzf "$work/$1-$2.tgz" -C "$work/$1"
    fi
    cp "$work/$1/package/$3" "$here/$4"
}

fetch graphiql "$GRAPHIQL_VERSION" graphiql.min.js graphiql.min.js
fetch graphiql "$GRAPHIQL_VERSION" graphiql.min.css graphiql.min.css
fetch graphiql "$GRAPHIQL_VERSION" LICENSE LICENSE.graphiql
fetch react "$REACT_VERSION" umd/react.production.min.js react.production.min.js
fetch react "$REACT_VERSION" LICENSE LICENSE.react
fetch react-dom "$REACT_VERSION" umd/react-dom.production.min.js react-dom.production.min.js
fetch react-dom "$REACT_VERSION" LICENSE LICENSE.react-dom

echo "assets/graphiql: graphiql $GRAPHIQL_VERSION, react and react-dom $REACT_VERSION"
