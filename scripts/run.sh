#!/usr/bin/env bash
# Starts the task worker and the web server as `make run` does; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
BIN=.venv/bin
# The sandbox platform (demo) and the worker reach this server at its own address.
LOCAL_HOST="$HOST"; [ "$LOCAL_HOST" = "0.0.0.0" ] && LOCAL_HOST=127.0.0.1
export AGORA_BASE_URL="${AGORA_BASE_URL:-http://$LOCAL_HOST:$PORT}"

"$BIN/agora" qcluster >var/worker.log 2>&1 &
WORKER=$!

cat <<MSG

  Ágora está en http://$HOST:$PORT/

  Ingreso del personal: http://$HOST:$PORT/cuenta/ingresar/
  Usuarios de demostración (usuario, contraseña, rol):
$(sed 's/^/    /' var/demo-credenciales.txt 2>/dev/null || echo "    (sin usuarios de demostración)")
  El código de doble factor vigente de un usuario demo se obtiene con:
    .venv/bin/agora demo_otp demo-rector
  Trabajador de tareas: PID $WORKER (registro en var/worker.log)

MSG

HOST="$HOST" PORT="$PORT" scripts/web.sh &
WEB=$!
# Ctrl-C or a stop of this script stops the server and the worker together.
trap 'kill $WEB $WORKER 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
wait $WEB
