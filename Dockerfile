# Service Status Board in a container: `statusboard serve` as a user that is not root, its
# history in a volume, healthy when Streamlit's /_stcore/health answers. From a clone:
#
#   docker build -t statusboard .
#   docker run -d --name statusboard -p 127.0.0.1:8501:8501 --env-file board.env \
#       -v statusboard-data:/var/lib/statusboard statusboard
#
# No secret is baked into the image: SUPEROFFICE_* credentials and a STATUSBOARD_DATABASE_URL
# with its password come at run time (--env-file, compose.yaml's env_file). Several boards on
# one PostgreSQL: compose.yaml. README "In a container".

ARG PYTHON_VERSION=3.12

# The board's wheel, built from the clone exactly as the README builds it for a server.
FROM python:${PYTHON_VERSION}-slim AS wheel
WORKDIR /src
COPY . .
RUN python3 -m pip wheel --no-deps --wheel-dir /dist .

FROM python:${PYTHON_VERSION}-slim
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/statusboard/bin:$PATH \
    STATUSBOARD_DATA_DIR=/var/lib/statusboard
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/statusboard \
        --no-create-home --shell /usr/sbin/nologin statusboard \
    && install -d -m 0700 -o statusboard -g statusboard /var/lib/statusboard \
    && install -d -m 0755 /etc/statusboard
COPY --from=wheel /dist/ /tmp/dist/
WORKDIR /tmp/dist
# The same two steps as README "Deploying" (the board in its own venv under /opt/statusboard).
RUN python3 -m venv /opt/statusboard
RUN /opt/statusboard/bin/pip install service_status_board-*.whl

# ./statusboard.toml is read from here when one is mounted (else the built-in layout), as are
# .streamlit/secrets.toml files; the history lives in the volume.
WORKDIR /etc/statusboard
VOLUME ["/var/lib/statusboard"]
USER statusboard
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
# SIGTERM stops the board cleanly: the poll in flight written, the poll lease given up.
STOPSIGNAL SIGTERM
# 0.0.0.0 inside the container: which host address it is published on is `-p`'s choice; the
# board starts only with STATUSBOARD_DISPLAY_KEY in its environment (board.env), and says so.
CMD ["statusboard", "serve", "--address", "0.0.0.0", "--port", "8501"]
