#!/usr/bin/env bash
# The web server of one machine: gunicorn with threads, access log on stdout (with the request
# id), listening on HOST:PORT (127.0.0.1:8000 by default, behind the reverse proxy).
# scripts/run.sh (make run), the Dockerfile and deploy/systemd/agora-web.service start it.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/gunicorn agora.wsgi:application \
  --bind "${HOST:-127.0.0.1}:${PORT:-8000}" \
  --worker-class agora.core.gunicorn_worker.SpanishThreadWorker \
  --workers "${AGORA_WEB_WORKERS:-3}" \
  --threads "${AGORA_WEB_THREADS:-4}" \
  --forwarded-allow-ips "${AGORA_FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --access-logfile - \
  --access-logformat '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms [%({x-request-id}o)s]' \
  --log-level warning
