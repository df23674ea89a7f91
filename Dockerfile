# newsbot: one image for every mode (embedded SQLite, or a replica on PostgreSQL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . && useradd --create-home --uid 10001 newsbot
COPY config ./config

USER newsbot
WORKDIR /home/newsbot
ENV NEWSBOT_CONFIG_DIR=/app/config \
    DATABASE_URL=sqlite:////home/newsbot/newsbot.db
EXPOSE 8080

# /healthz answers as long as the process is alive and serving.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8080\")}/healthz', timeout=4)"

CMD ["newsbot", "run"]
