"""Throughput cost of usage accounting (and of rate limiting) on a real server.

Run: .venv/bin/python -m benchmarks.usage_overhead [--seconds 10] [--rounds 2]

Starts ``python -m imageapi`` (2 workers, SQLite in a fresh data directory) once
per configuration and round, and drives it from client threads, one user each,
with keep-alive connections and this mix per cycle: 1 upload of a small PNG,
3 listings, 3 metadata reads and 3 content downloads. Prints requests per
second for each configuration (the median over rounds; rounds alternate the
configurations so that drift hits all of them alike) and the cost against the
baseline. The baseline has accounting and rate limits off.

On a shared or busy machine the server figures swing by more than the cost being
measured, so the script also times the accounting middleware alone, in-process
(``process_request`` + ``process_response`` for a JSON response), which is the
whole per-request work accounting adds; the flush is one batched write per
worker every few seconds.
"""

from __future__ import annotations

import argparse
import itertools
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path

import falcon
import falcon.testing
import requests

from benchmarks.server import running_server
from benchmarks.server import sign_up
from imageapi.db.base import utcnow
from imageapi.middleware.usage import UsageAccounting
from imageapi.services.usage_recorder import UsageRecorder
from tests import samples

PNG = samples.png_bytes(64, 48)
CONFIGURATIONS = {
    "baseline (accounting off, rate limit off)": {
        "usage_enabled": "false",
        "limits_requests_per_minute": "0",
    },
    "accounting on": {"usage_enabled": "true", "limits_requests_per_minute": "0"},
    "accounting on + rate limit (database)": {
        "usage_enabled": "true",
        "limits_requests_per_minute": "1000000",
    },
    "accounting on + rate limit (Redis)": {
        "usage_enabled": "true",
        "limits_requests_per_minute": "1000000",
        "redis_url": "redis://127.0.0.1:6379/0",
    },
}


def client_loop(base: str, token: str, stop: threading.Event, counts: list[int]):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    ids: list[str] = []
    done = 0
    for cycle in itertools.count():
        if stop.is_set():
            break
        created = session.post(
            f"{base}/api/v1/images", files={"image": (f"p{cycle}.png", PNG)}
        )
        created.raise_for_status()
        ids.append(created.json()["id"])
        for _ in range(3):
            session.get(
                f"{base}/api/v1/images", params={"limit": 20}
            ).raise_for_status()
        for image_id in ids[-3:]:
            session.get(f"{base}/api/v1/images/{image_id}").raise_for_status()
            session.get(f"{base}/api/v1/images/{image_id}/content").raise_for_status()
        done += 1 + 3 + 2 * min(3, len(ids))
    counts.append(done)


def measure(settings: dict[str, str], seconds: float, clients: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = {"limits_key_prefix": f"bench-{secrets.token_hex(4)}"}
        with running_server(Path(tmp), "", workers=2, **settings, **prefix) as (
            base,
            _,
        ):
            tokens = [sign_up(base, f"bench{n}@example.com") for n in range(clients)]
            stop = threading.Event()
            counts: list[int] = []
            threads = [
                threading.Thread(target=client_loop, args=(base, t, stop, counts))
                for t in tokens
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            stop.set()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
    return sum(counts) / elapsed


def middleware_microseconds(iterations: int = 50_000) -> float:
    """Time the accounting middleware alone on one authenticated JSON response."""

    class Principal:
        class user:  # stands in for the User row
            id = "user-id"

        api_key_id = None

    accounting = UsageAccounting(UsageRecorder(lambda rows: None, 3600), utcnow)
    req = falcon.Request(falcon.testing.create_environ("/api/v1/images"))
    req.uri_template = "/api/v1/images"
    req.context.principal = Principal
    resp = falcon.Response()
    resp.media = {"items": [{"id": "x" * 22, "name": "p.png"}], "next_cursor": None}
    started = time.perf_counter()
    for _ in range(iterations):
        accounting.process_request(req, resp)
        accounting.process_response(req, resp, None, True)
    return (time.perf_counter() - started) / iterations * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    micro = middleware_microseconds()
    print(f"accounting middleware alone: {micro:.1f} µs per request", flush=True)
    results: dict[str, list[float]] = {name: [] for name in CONFIGURATIONS}
    for round_number in range(args.rounds):
        names = list(CONFIGURATIONS)
        if round_number % 2:
            names.reverse()
        for name in names:
            rate = measure(CONFIGURATIONS[name], args.seconds, args.clients)
            results[name].append(rate)
            print(f"round {round_number + 1}: {name}: {rate:.0f} req/s", flush=True)
    baseline = statistics.median(next(iter(results.values())))
    print(f"\nmedian of {args.rounds} rounds, {args.seconds:.0f} s each:")
    for name, rates in results.items():
        rate = statistics.median(rates)
        cost = (baseline - rate) / baseline * 100
        print(f"  {name:45} {rate:7.0f} req/s   cost {cost:+5.1f} %")


if __name__ == "__main__":
    main()
