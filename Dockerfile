# Ágora: one image for the web servers and the task workers (docs/operacion.md, «Contenedor»).
#   web:     docker run … agora            (scripts/web.sh: gunicorn on 0.0.0.0:8000)
#   worker:  docker run … agora agora qcluster
# Configuration comes from the environment (DATABASE_URL, REDIS_URL, AGORA_SECRET_KEY,
# AGORA_ENCRYPTION_KEY, AGORA_S3_*, …); the same for every container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/app/.venv/bin:$PATH \
    AGORA_VAR_DIR=/var/lib/agora \
    AGORA_STATIC_ROOT=/app/static \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app

# System libraries (Pango for the PDF reports), with the script `make` and CI use.
COPY scripts/system-deps.sh scripts/system-deps.sh
RUN scripts/system-deps.sh --pdf && rm -rf /var/lib/apt/lists/*

# The application, installed by the same script as `make setup` (without the dev tools).
COPY . .
RUN scripts/install.sh

# Static files are built once, into the image (not per server); WhiteNoise serves them.
# The throwaway keys only let the settings load here; the real ones come at run time.
RUN AGORA_VAR_DIR=/tmp/agora-build \
    AGORA_SECRET_KEY=solo-para-construir-la-imagen \
    AGORA_ENCRYPTION_KEY=ZmFrZS1rZXktZm9yLWJ1aWxkLW9ubHktMDAwMDAwMDA= \
    agora collectstatic --noinput -v0 \
    && rm -rf /tmp/agora-build

# Unprivileged user; its data folder is scratch space only (shared state lives in the
# database, the object store and the environment).
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/agora --create-home \
      --shell /usr/sbin/nologin agora
USER 10001:10001

EXPOSE 8000
# Liveness: the server answers /salud/ (any answer below 500: with production ALLOWED_HOSTS and
# HTTPS a local request may get 400 or a redirect, never followed).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import http.client as h, os; c = h.HTTPConnection('127.0.0.1', int(os.environ.get('PORT', '8000')), timeout=4); c.request('GET', '/salud/'); raise SystemExit(c.getresponse().status >= 500)"]
CMD ["scripts/web.sh"]
