#!/usr/bin/env bash
# Install the system parts some tests need: Debian's chromium (map tests, driven by
# Playwright with executable_path; never `playwright install`) and PostgreSQL 15 + PostGIS 3
# (store conformance tests). Installs only when running as root on Debian with apt-get;
# otherwise says what is missing, and those tests skip with a how-to (or fail when CI=true).
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -d /usr/share/postgresql/15/extension ] && ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1 \
  || need+=(postgresql-15-postgis-3)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${need[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null \
    || echo "system-deps: apt-get install ${need[*]} failed; the tests needing them will skip (or fail with CI=true)" >&2
else
  echo "system-deps: missing ${need[*]}; as root run: apt-get install ${need[*]}" >&2
  echo "system-deps: until then the browser/PostGIS tests skip (with CI=true they fail)" >&2
fi
exit 0
