#!/usr/bin/env bash
# Runs every check and every test of plasma-lab, exactly as CI does (.ci/run calls this script).
# Needs only Rust (rustup reads rust-toolchain.toml) and Node with npm: it installs the pinned solc
# and anvil itself with `npm ci` in contracts/.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Installing the pinned solc and anvil (npm ci in contracts/)"
npm ci --prefix contracts --no-audit --no-fund

step "Recompiling the contracts: the committed artifacts must match"
(cd contracts && node compile.js)
if ! git diff --quiet -- contracts/artifacts || [ -n "$(git status --porcelain -- contracts/artifacts)" ]; then
  git status --short -- contracts/artifacts
  echo "contracts/artifacts differ from a fresh compile: run 'npm run compile' in contracts/ and commit them" >&2
  exit 1
fi

step "Formatting (cargo fmt --check)"
cargo fmt --all --check

step "Lints (clippy, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Tests (both backends; anvil ones included)"
cargo test --workspace --locked

step "A design of one's own: the suite on a toy design, the harness built without the five designs"
if cargo tree -p plasma-harness --no-default-features -e normal --locked | grep -E 'plasma-(mvp|morevp|cash|xt|debit) '; then
  echo "plasma-harness without its 'builtin' feature must link no design crate" >&2
  exit 1
fi
cargo run -q -p plasma-harness --no-default-features --locked --example own_variant
