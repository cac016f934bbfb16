"""What services tell the metrics about, without knowing how they are kept.

Services take a ``Telemetry`` and call its verbs; ``imageapi/metrics.py``
implements it with Prometheus, ``NO_TELEMETRY`` drops everything (tests,
commands). So no service imports prometheus_client.
"""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    def rendered(self, output_format: str, seconds: float) -> None:
        """A derivative was rendered (not served from the cache)."""

    def render_slot_taken(self) -> None: ...

    def render_slot_released(self) -> None: ...

    def derivative_cache_hit(self, size: int) -> None: ...

    def derivative_cache_miss(self) -> None: ...

    def derivative_memory_hit(self) -> None:
        """A cached derivative was found in the worker's memory: no file read."""

    def derivative_memory_held(self, size: int) -> None:
        """The worker's memory now holds ``size`` bytes of derivatives."""

    def derivative_cached(self, size: int) -> None:
        """A rendered derivative was stored in the cache."""

    def derivatives_evicted(self, count: int, size: int) -> None: ...

    def uploaded(self, size: int) -> None: ...

    def login_failed(self) -> None: ...

    def login_throttled(self) -> None: ...


class NoTelemetry:
    """Telemetry that keeps nothing."""

    def rendered(self, output_format: str, seconds: float) -> None:
        pass

    def render_slot_taken(self) -> None:
        pass

    def render_slot_released(self) -> None:
        pass

    def derivative_cache_hit(self, size: int) -> None:
        pass

    def derivative_cache_miss(self) -> None:
        pass

    def derivative_memory_hit(self) -> None:
        pass

    def derivative_memory_held(self, size: int) -> None:
        pass

    def derivative_cached(self, size: int) -> None:
        pass

    def derivatives_evicted(self, count: int, size: int) -> None:
        pass

    def uploaded(self, size: int) -> None:
        pass

    def login_failed(self) -> None:
        pass

    def login_throttled(self) -> None:
        pass


NO_TELEMETRY: Telemetry = NoTelemetry()
