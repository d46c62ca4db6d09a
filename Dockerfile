# syntax=docker/dockerfile:1
#
# One image for all four tousu services; the service is chosen by the command:
#   docker run tousu serve intake|analysis|escalation|followup
#
# Stage 1 (builder) resolves the workspace from uv.lock into /app/.venv.
# Stage 2 (runtime) copies only that venv onto a clean python:3.11-slim, runs as a
# non-root user and contains no uv, no compiler, no sources, no dev dependencies.

# Both stages must use the same base: the venv's interpreter is a symlink to
# /usr/local/bin/python3.11 of this image.
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

# Pinned to the uv that wrote uv.lock, so `--frozen` reads it exactly as written.
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /src

# Dependencies first, from the lock file and the member manifests only: this
# layer is rebuilt only when dependencies change, not on every code change.
COPY pyproject.toml uv.lock .python-version ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY services/intake/pyproject.toml services/intake/pyproject.toml
COPY services/analysis/pyproject.toml services/analysis/pyproject.toml
COPY services/escalation/pyproject.toml services/escalation/pyproject.toml
COPY services/followup/pyproject.toml services/followup/pyproject.toml
COPY tools/pyproject.toml tools/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace

# Then the workspace members themselves, installed non-editable so the runtime
# stage needs /app/.venv and nothing else.
COPY shared/ shared/
COPY services/ services/
COPY tools/ tools/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="tousu" \
      org.opencontainers.image.description="tousu (投诉) complaint handling: intake, analysis, escalation, followup" \
      org.opencontainers.image.source="https://example.invalid/tousu"

# A fixed numeric UID/GID (10001, also in the Kubernetes securityContext):
# runAsNonRoot can only verify a numeric USER.
RUN groupadd --system --gid 10001 tousu \
 && useradd --system --uid 10001 --gid tousu --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin tousu

COPY --from=builder --chown=root:root /app/.venv /app/.venv

# TOUSU_HOST: listen on all interfaces (the code's default is loopback, right for
# `tousu dev`, wrong in a container). TOUSU_DATA_DIR: under /tmp, the only
# writable path when the root filesystem is read-only (Kubernetes mounts an
# emptyDir there). Bytecode was compiled at build time, so Python writes none.
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TOUSU_HOST=0.0.0.0 \
    TOUSU_DATA_DIR=/tmp/tousu \
    TOUSU_ENVIRONMENT=production

WORKDIR /app
USER 10001:10001

EXPOSE 8000 8001 8002 8003

# Liveness only (/healthz), with the standard library: the slim image has no curl.
# The port comes from TOUSU_PORT, which docker-compose.yml and the Kubernetes
# manifests set for every service; without it the intake default (8000) is used,
# so `docker run ... serve analysis` should pass -e TOUSU_PORT=8001.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TOUSU_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["tousu"]
CMD ["serve", "intake"]
