#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks use, when missing and possible.
# --browser: chromium (Playwright drives Debian's build; it cannot download its own).
# --bench:   wrk (load generator for the HTTP benchmarks).
# --pdf:     Pango (WeasyPrint renders the PDF reports with it).
set -euo pipefail
want=()
for arg in "$@"; do
  case "$arg" in
    --browser) command -v chromium >/dev/null || want+=(chromium) ;;
    --pdf) ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || want+=(libpango-1.0-0 libpangoft2-1.0-0) ;;
    --bench) command -v wrk >/dev/null || want+=(wrk) ;;
    --postgres) command -v pg_ctlcluster >/dev/null || want+=(postgresql) ;;
    --i18n) command -v xgettext >/dev/null || want+=(gettext) ;;
    --redis) command -v redis-server >/dev/null || want+=(redis-server) ;;
  esac
done
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Instalando paquetes del sistema: ${want[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
else
  echo "Faltan paquetes del sistema: ${want[*]} (instálelos con apt-get)." >&2
  exit 1
fi
