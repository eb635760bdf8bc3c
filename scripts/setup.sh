#!/usr/bin/env bash
# Installs everything newsdesk needs on a fresh Debian machine with Python 3.11:
# Debian packages (Chromium for the browser tests, Apertium for translation), the
# CPU build of PyTorch (first, so nothing pulls a CUDA build), then the package itself.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium chromium-driver apertium apertium-eng-spa apertium-spa-ita
              apertium-eng-cat apertium-cat-ita)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python3 -m pip install -q --disable-pip-version-check torch==2.13.0
python3 -m pip install -q --disable-pip-version-check -e ".[test]"
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
