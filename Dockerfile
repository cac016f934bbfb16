# imageapi: the API under granian, as PID 1, as a non-root user.
#
#   docker build -t imageapi .
#   docker run -p 8000:8000 -v imageapi-data:/data imageapi
#
# BASE_IMAGE is any Debian-like image with python3 >= 3.11 and its venv module:
# the official python image by default, or a Debian image made locally
# (docs/deploy.md, "Building without a registry"). Instructions are few on
# purpose: builders without overlay storage copy the whole file tree per step.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# Dependencies first, from the pins alone, so this layer is rebuilt only when
# pyproject.toml or constraints.txt change, not on every source edit.
# `python3 -m venv`: both the official image and Debian's python3-venv have it.
# The optional pip_ca secret is a CA bundle for builds behind a TLS-inspecting
# proxy: --secret id=pip_ca,src=/etc/ssl/certs/ca-certificates.crt
COPY pyproject.toml constraints.txt /src/
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    && python3 -m venv /opt/imageapi \
    && cd /src \
    && python3 -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")' \
       > requirements.txt \
    && /opt/imageapi/bin/pip install --quiet -c constraints.txt -r requirements.txt
# .dockerignore lets in only pyproject.toml, constraints.txt, README.md and imageapi/.
COPY . /src/
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    && /opt/imageapi/bin/pip install --quiet -c /src/constraints.txt /src \
    && /opt/imageapi/bin/pip check

FROM ${BASE_IMAGE}
# libvips, libpq and libffi come inside the wheels; the base has the rest.
# A fixed numeric id lets Kubernetes check runAsNonRoot and lets volume owners
# be set ahead of time.
RUN groupadd --system --gid 10001 imageapi \
    && useradd --system --uid 10001 --gid imageapi --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin imageapi \
    && mkdir /data \
    && chown imageapi:imageapi /data
ENV PATH=/opt/imageapi/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    IMAGEAPI_HOST=0.0.0.0 \
    IMAGEAPI_PORT=8000 \
    IMAGEAPI_DATA_DIR=/data
# Uploads are spooled here; with the default settings also the SQLite file,
# the stored images and the generated secret key.
VOLUME /data
EXPOSE 8000
# Python, not curl (the image has none); the port is read when the check runs,
# so it follows IMAGEAPI_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('IMAGEAPI_PORT', '8000'), timeout=4)"]
# Exec form and no shell in between: granian's main process runs in the imageapi
# process itself, so it is PID 1 and gets SIGTERM directly; it stops
# accepting, lets the workers finish their requests (10 s at most) and exits.
ENTRYPOINT ["imageapi"]
CMD ["serve"]
USER 10001:10001
# Last, so that a source change rebuilds only this step of the final stage.
COPY --from=build /opt/imageapi /opt/imageapi
