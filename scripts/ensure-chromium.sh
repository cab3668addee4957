#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser tests (Playwright drives it by its path;
# Playwright's own browser download cannot work offline). Under CI=true a missing browser is an error;
# elsewhere the browser tests skip with a reason.
set -u
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium)"
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "chromium: installing Debian's package"
  if apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; then
    echo "chromium: $(command -v chromium)"
    exit 0
  fi
fi
if [ "${CI:-}" = "true" ]; then
  echo "chromium: NOT installed and could not be (needs root and apt-get): the browser tests cannot run" >&2
  exit 1
fi
echo "chromium: not installed (sudo apt-get install chromium); the browser tests will be skipped" >&2
exit 0
