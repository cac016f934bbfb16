"""Two imageapi instances behind nginx, sharing PostgreSQL, S3 (moto) and Redis.

Needs the ``nginx`` binary and a PostgreSQL server (``IMAGEAPI_TEST_DATABASE_URL``)
and Redis on 127.0.0.1:6379; without them the tests are skipped, unless
``IMAGEAPI_TEST_CLUSTER=required`` (``make test-cluster``, CI) makes that a
failure. Every run has its own database, bucket and Redis key prefix.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.cluster.processes import Instance
from tests.cluster.processes import Nginx
from tests.cluster.processes import free_port
from tests.cluster.processes import nginx_binary
from tests.conftest import POSTGRES_URL_VARIABLE
from tests.s3server import CREDENTIALS
from tests.s3server import make_bucket
from tests.s3server import s3_server

REDIS_URL = "redis://127.0.0.1:6379/0"
REQUIRED_VARIABLE = "IMAGEAPI_TEST_CLUSTER"
BUCKET = "imageapi-cluster"
MIB = 1024 * 1024
# Small, so the oversized-upload test sends little; nginx's limit sits above
# it (as 51m sits above 50 MiB in deploy/nginx.conf) and below it plus the
# 8 MiB the application drains, so the application answers every 413 itself.
MAX_UPLOAD_BYTES = 1 * MIB
NGINX_CLIENT_MAX_BODY_SIZE = "4m"


@dataclass
class Cluster:
    nginx: Nginx
    a: Instance
    b: Instance
    database_url: str

    @property
    def instances(self) -> tuple[Instance, Instance]:
        return self.a, self.b


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRED_VARIABLE) == "required":
        pytest.fail(f"the multi-instance test cannot run: {reason}")
    pytest.skip(f"multi-instance test: {reason}")


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if not url.startswith("postgresql"):
        _unavailable(f"set {POSTGRES_URL_VARIABLE} to a PostgreSQL server URL")
    return url


@pytest.fixture(scope="session")
def cluster_database() -> Iterator[str]:
    server_url = _postgres_server_url()
    name = f"imageapi_cluster_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL is not reachable: {exc.orig}")
    try:
        yield (
            make_url(server_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"imageapi-cluster-{secrets.token_hex(6)}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def cluster(cluster_database, redis_prefix, tmp_path_factory) -> Iterator[Cluster]:
    if nginx_binary() is None:
        _unavailable("the nginx binary is not installed (apt-get install nginx)")
    work_dir = tmp_path_factory.mktemp("cluster")
    with s3_server() as endpoint:
        make_bucket(endpoint, BUCKET)
        env = {
            "IMAGEAPI_HOST": "127.0.0.1",
            "IMAGEAPI_WORKERS": "2",
            "IMAGEAPI_LOG_LEVEL": "warning",
            "IMAGEAPI_SECRET_KEY": secrets.token_urlsafe(48),
            "IMAGEAPI_DATABASE_URL": cluster_database,
            "IMAGEAPI_REDIS_URL": REDIS_URL,
            "IMAGEAPI_LIMITS_KEY_PREFIX": redis_prefix,
            "IMAGEAPI_LIMITS_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
            "IMAGEAPI_STORAGE_BACKEND": "s3",
            "IMAGEAPI_STORAGE_S3_BUCKET": BUCKET,
            "IMAGEAPI_STORAGE_S3_ENDPOINT_URL": endpoint,
            "IMAGEAPI_STORAGE_S3_REGION": CREDENTIALS["region_name"],
            "IMAGEAPI_STORAGE_S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "IMAGEAPI_STORAGE_S3_SECRET_ACCESS_KEY": CREDENTIALS[
                "aws_secret_access_key"
            ],
            "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
            "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
            "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
            # Under 200 a minute every request reaches the shared count (no
            # per-worker batches), so tests read it exactly; each test user
            # stays below it (the rolling restart's clients pause between
            # requests).
            "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "199",
            # A revocation is seen by the next request on any instance.
            "IMAGEAPI_SIGNING_REVOCATION_CACHE_SECONDS": "0",
        }
        a = Instance("a", free_port(), env, work_dir)
        b = Instance("b", free_port(), env, work_dir)
        nginx = Nginx(
            work_dir / "nginx", free_port(), [a, b], NGINX_CLIENT_MAX_BODY_SIZE
        )
        nginx.work_dir.mkdir()
        try:
            # Both at once on an empty database: they migrate under a lock.
            a.start()
            b.start()
            a.wait_ready()
            b.wait_ready()
            nginx.start()
            yield Cluster(nginx, a, b, cluster_database)
        finally:
            nginx.stop()
            for instance in (a, b):
                instance.stop()
