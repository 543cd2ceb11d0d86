# Refleks: `refleks webhook` by default (production); `refleks run` for long polling.
# Settings come from the environment: see docs/DEPLOY.md.

# --- build: install Refleks and its dependencies into a virtualenv -----------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY dialogues ./dialogues
COPY services ./services
COPY domain ./domain
COPY storage ./storage
RUN python -m venv /opt/refleks \
    && /opt/refleks/bin/pip install .

# --- run: the virtualenv only, as a user without privileges -----------------------------------
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin refleks
COPY --from=build /opt/refleks /opt/refleks

ENV PATH=/opt/refleks/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    WEBHOOK_HOST=0.0.0.0 \
    WEBHOOK_PORT=8080

USER refleks
# With SQLite (DATABASE_URL's default, ./data/refleks.db) mount a volume on /home/refleks/data.
WORKDIR /home/refleks
EXPOSE 8080

# /healthz answers 200 while the database answers. `refleks run` (polling) serves no HTTP:
# turn the check off for it (docker-compose.yml shows how).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEBHOOK_PORT', '8080'), timeout=4)"

# SIGTERM (docker stop) finishes the tick in hand and the requests in flight: allow it 90 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["refleks"]
CMD ["webhook"]
