#!/bin/sh
# web: migrate, then gunicorn. worker ARGS…: a Celery worker (e.g. -Q geocode -c 1).
# beat: the Celery beat scheduler. Anything else runs as given (e.g. python manage.py scan).
set -e
cd /app
case "$1" in
    web)
        python manage.py migrate --no-input
        exec gunicorn ownphotos.wsgi \
            --bind 0.0.0.0:8000 \
            --workers "${GUNICORN_WORKERS:-3}" \
            --threads "${GUNICORN_THREADS:-4}" \
            --timeout 120 \
            --access-logfile -
        ;;
    worker)
        shift
        exec celery -A ownphotos worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" "$@"
        ;;
    beat)
        exec celery -A ownphotos beat --loglevel "${CELERY_LOG_LEVEL:-INFO}"
        ;;
    *)
        exec "$@"
        ;;
esac
