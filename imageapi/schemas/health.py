"""Bodies of the liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field


class HealthOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]


class ReadinessOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]
    database: Literal["ok"] = Field(description="A query answered.")
    storage: Literal["ok"] = Field(
        description="A probe object was written, read back and deleted."
    )
    redis: Literal["ok", "not configured"] = Field(
        description="PING answered (only when redis_url is set)."
    )
