#!/usr/bin/env bash
# `make demo`: the main job on the embedded default store. Ingest seeds/ into ./tracker.gpkg
# and write the map of what was found to maps/. Steps whose commands are not built yet are
# named and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
T=.venv/bin/tracker
STORE=${TRACKER_STORE:-tracker.gpkg}
have() { $T --help 2>/dev/null | grep -qE "^  $1( |$)"; }
missing=()
if have places; then
  echo "== building the gazetteer (first run only)" >&2
  $T places build >/dev/null
else missing+=("places (gazetteer)"); fi
if have ingest; then
  echo "== ingesting seeds/ into $STORE" >&2
  $T ingest seeds/ --store "$STORE" --format table
else missing+=("ingest"); fi
if have query; then
  echo "== events in $STORE" >&2
  $T query --store "$STORE" --format table
else missing+=("query"); fi
if have cluster; then
  echo "== linking events that several reports describe (tracker cluster)" >&2
  $T cluster --store "$STORE" --format text
else missing+=("cluster"); fi
if have map; then
  echo "== writing the map" >&2
  $T map --store "$STORE" --title "North Korean troops in Russia"
else missing+=("map"); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "demo: not built yet: ${missing[*]}" >&2
fi
