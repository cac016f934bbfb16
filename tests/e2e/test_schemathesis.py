"""schemathesis against the real server: every operation, a fixed seed, bounded.

Runs the CLI (coverage and fuzzing phases, every check) so the run is the one a
person would reproduce by hand; ``schemathesis_hooks.py`` logs it in. The
JUnit report lands in ``build/schemathesis/`` for CI to keep.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.admin import create_admin
from tests.e2e.schemathesis_hooks import BASE_URL_VARIABLE
from tests.e2e.schemathesis_hooks import EMAIL
from tests.e2e.schemathesis_hooks import PASSWORD

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SEED = 20240501
MAX_EXAMPLES = 200
# A bound on a hung run, not a speed target: a loaded 2-core machine has
# taken over 400 s for what an idle one does in about 100 s.
TIMEOUT_SECONDS = 900


@pytest.fixture
def server_env() -> dict[str, str]:
    """No limits it could reach, so requests test the API rather than the
    limiters (tests/integration/test_rate_limits.py tests them): it sends
    thousands of requests, and wrong passwords for the account it logs in as."""
    return {
        "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "1000000",
        "IMAGEAPI_LIMITS_LOGIN_FAILURES": "0",
        "IMAGEAPI_LIMITS_LOGIN_FAILURES_PER_ADDRESS": "0",
        "IMAGEAPI_LIMITS_LOGIN_FAILURES_PER_ACCOUNT": "0",
        "IMAGEAPI_LIMITS_MAX_QUEUED_PASSWORD_HASHES": "2",
    }


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    server, clean_database, tmp_path
):
    # The account it logs in as is an administrator, so the admin routes
    # answer rather than 403.
    create_admin(server, clean_database, EMAIL, PASSWORD)
    document_url = f"{server.base_url}/api/v1/openapi.json"
    document = requests.get(document_url, timeout=10).json()
    operations = sum(
        method in {"get", "head", "put", "post", "delete", "patch"}
        for item in document["paths"].values()
        for method in item
    )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        f"--config-file={HERE / 'schemathesis.toml'}",
        "run",
        document_url,
        f"--seed={SEED}",
        f"--max-examples={MAX_EXAMPLES}",
        # schemathesis leaves out the operation that served the document
        # unless a filter names it; this one names every operation.
        "--include-path-regex=.",
        "--request-timeout=10",
        # Same run every time: no examples or crashes replayed from earlier runs.
        "--generation-database=none",
        "--report=junit",
        f"--report-dir={ROOT / 'build' / 'schemathesis'}",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
        BASE_URL_VARIABLE: server.base_url,
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
    }
    run = subprocess.run(
        command,
        cwd=tmp_path,  # its cache lands there, not in the repository
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    report = run.stdout[-20_000:] + run.stderr[-5_000:]
    assert run.returncode == 0, report
    assert "No issues found" in run.stdout, report
    tested = re.search(r"Tested:\s+(\d+)", run.stdout)
    assert tested and int(tested[1]) == operations, report
