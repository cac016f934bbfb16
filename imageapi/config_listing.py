"""``imageapi config``: the effective settings as YAML, with their origins.

Every value is commented with where it came from: the default, the config file
or an environment variable. Fields marked secret in ``config.py`` are masked,
and so are passwords inside URLs. With no file and no variables the output is
every default, a complete sample file generated from the models.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from imageapi.config import LoadedConfig

MASK = "********"
INDENT = "  "


def render(loaded: LoadedConfig) -> str:
    """The YAML listing of ``loaded``, one commented line (or block) per setting."""
    origin = f"file {loaded.file}" if loaded.file else "no file"
    lines = [f"# imageapi settings ({origin}); secrets are masked"]
    values = loaded.config.model_dump(mode="json")
    lines += _lines(type(loaded.config), values, loaded, prefix="", depth=0)
    return "\n".join(lines) + "\n"


def _lines(
    model: type[BaseModel],
    values: dict[str, Any],
    loaded: LoadedConfig,
    prefix: str,
    depth: int,
) -> list[str]:
    lines = []
    indent = INDENT * depth
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            lines.append(f"{indent}{name}:")
            lines += _lines(section, values[name], loaded, f"{key}.", depth + 1)
            continue
        source = loaded.sources.get(key, "default")
        if source == "file":
            source = f"file {loaded.file}"
        elif source != "default":
            source = f"environment {source}"
        value = _masked(field, values[name])
        dumped = yaml.safe_dump(
            {name: value}, sort_keys=False, default_flow_style=False
        ).splitlines()
        dumped[0] += f"  # {source}"
        lines += [indent + line for line in dumped]
    return lines


def _masked(field: FieldInfo, value: Any) -> Any:
    extra = field.json_schema_extra
    kind = extra.get("secret") if isinstance(extra, dict) else None
    if not kind or not value:
        return value
    if kind == "url-password":
        return _without_password(value)
    if kind == "client-secrets":
        return {
            name: {**provider, "client_secret": MASK if secret else ""}
            for name, provider in value.items()
            for secret in [provider["client_secret"]]
        }
    return MASK


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username or ''}:{MASK}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))
