"""Storage backends behind one interface, picked by name from config."""

from __future__ import annotations

from collections.abc import Callable

from imageapi.config import Config
from imageapi.storage.base import Storage
from imageapi.storage.local import LocalStorage
from imageapi.storage.memory import MemoryStorage
from imageapi.storage.s3 import S3Storage

BACKENDS: dict[str, Callable[[Config], Storage]] = {
    "local": lambda config: LocalStorage(config.data_dir / "images"),
    "s3": lambda config: S3Storage.from_config(config.storage),
    "memory": lambda config: MemoryStorage(),
}


def create_storage(config: Config) -> Storage:
    return BACKENDS[config.storage.backend](config)
