"""Typed configuration: defaults, an optional user file, then environment.

Every setting is declared once, below (limits in ``imageapi/limits.py``), with
its type, unit, default and description; nothing else holds a default.
``load_config`` layers a user file and ``IMAGEAPI_*`` variables on top and
validates the result, so a bad value or an unknown name stops the server with
one line that names the key (and the closest valid one).

Environment variables starting with ``IMAGEAPI_`` are settings, except
``IMAGEAPI_CONFIG`` (the file to read) and those under the prefixes in
``NON_SETTING_PREFIXES``, which belong to the test and benchmark tooling.
"""

from __future__ import annotations

import difflib
import json
import os
import secrets
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import Literal

import yaml
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator
from pydantic import model_validator

from imageapi.limits import DERIVATIVE_MEMORY_ENTRY_MAX_BYTES
from imageapi.limits import MIB
from imageapi.limits import Limits
from imageapi.limits import limit
from imageapi.processing.formats import DEFAULT_QUALITIES
from imageapi.processing.formats import DEFAULT_WEBP_EFFORT
from imageapi.processing.options import Presets
from imageapi.processing.options import load_presets

ENV_PREFIX = "IMAGEAPI_"
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG"
# Read by the test suite and its tools, never by the server.
NON_SETTING_PREFIXES = (f"{ENV_PREFIX}TEST_", f"{ENV_PREFIX}SCHEMATHESIS_")
SECRET_FILE_NAME = "secret_key"
MIN_SECRET_LENGTH = 32
# Markers for ``imageapi config``, which masks these values when it prints them.
SECRET = {"secret": "value"}
URL_WITH_PASSWORD = {"secret": "url-password"}
# A mapping of OpenID Connect providers: each one's client_secret is masked.
CLIENT_SECRETS = {"secret": "client-secrets"}
DEFAULT_PRESETS = {
    "thumb": "width=256&height=256&fit=cover",
    "small": "width=640&fit=inside",
    "large": "width=1920&fit=inside",
}


class ConfigError(Exception):
    """A setting is missing, unknown or invalid; the message names the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A provider's name appears in its login and callback URLs.
ProviderName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class OidcProviderConfig(Section):
    """One OpenID Connect provider (Keycloak, Authentik, Google, Entra ID, ...)."""

    issuer: str = Field(
        min_length=1,
        pattern=r"^https?://",
        description="Issuer URL; discovery reads "
        "ISSUER/.well-known/openid-configuration.",
    )
    client_id: str = Field(min_length=1)
    client_secret: str = Field("", description="Empty for a public client.")
    scopes: str = Field("openid email profile")
    display_name: str = Field("", description="Button label; empty: the name.")
    admin_claim: str = Field(
        "", description='ID token claim that grants admin, e.g. "groups"; empty: none.'
    )
    admin_value: str = Field(
        "admin", description="Value of admin_claim (or one of its list) for admins."
    )

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: str) -> str:
        if "openid" not in value.split():
            raise ValueError('must include "openid"')
        return value


class AuthConfig(Section):
    cookie_name: str = Field(
        "auth_token",
        min_length=1,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="Name of the session cookie browsers send.",
    )
    cookie_secure: bool = Field(
        False, description="Mark the cookie Secure (HTTPS only); on behind TLS."
    )
    token_ttl_seconds: int = Field(
        1_209_600, ge=60, description="Lifetime of a login session, in seconds."
    )
    # OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane): 24 ms of
    # one core per hash here, against 114 ms for 64 MiB x 3 x 2, and a third
    # of the memory, which bounds what a login flood costs a worker. Hashes
    # keep their parameters, so raising these later still verifies old ones.
    argon2_time_cost: int = Field(2, ge=1, description="argon2id iterations.")
    argon2_memory_kib: int = Field(
        19_456, ge=8, description="argon2id memory per hash, in KiB."
    )
    argon2_parallelism: int = Field(1, ge=1, description="argon2id lanes.")
    password_login: bool = Field(
        True,
        description="Allow e-mail and password login; off leaves single sign-on, "
        "bearer tokens and API keys.",
    )
    oidc_providers: dict[ProviderName, OidcProviderConfig] = Field(
        default_factory=dict,
        description="OpenID Connect providers by name: issuer, client_id, "
        "client_secret, scopes, display_name, admin_claim, admin_value "
        "(environment: a JSON object).",
        json_schema_extra=CLIENT_SECRETS,
    )
    oidc_create_accounts: bool = Field(
        True, description="A first single sign-on creates the account."
    )
    oidc_redirect_base_url: str = Field(
        "",
        pattern=r"^(https?://[^/]+)?$",
        description="Scheme and host the providers redirect back to "
        "(https://images.example.com); empty: the request's own.",
    )

    registration: Literal["open", "closed", "invite"] = Field(
        "open",
        description="Who may register: open (anyone), closed (only "
        "`imageapi users create`), invite (with a code from "
        "`imageapi invites create`).",
    )

    @field_validator("oidc_providers", mode="before")
    @classmethod
    def _providers_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError("must be a JSON object of name: provider") from None
        return value


class QuotaConfig(Section):
    """Per-user defaults; a user's own value (set by an admin) wins. 0 = unlimited."""

    max_storage_bytes: int = Field(
        0, ge=0, description="Total bytes of stored originals per user; 0 = unlimited."
    )
    max_images: int = Field(
        0, ge=0, description="Images a user may keep; 0 = unlimited."
    )
    max_uploads_per_day: int = Field(
        0, ge=0, description="Uploads per user per UTC day; 0 = unlimited."
    )


class UsageConfig(Section):
    enabled: bool = Field(
        True, description="Count every authenticated request (usage accounting)."
    )
    flush_interval_seconds: float = Field(
        5.0,
        gt=0,
        le=3600,
        description="How often each worker writes its buffered usage counters.",
    )


class ProcessingConfig(Section):
    working_copy_max_side: int = Field(
        2048,
        ge=0,
        le=8192,
        description="Longest side of the largest reduced copy (pyramid level) "
        "kept beside each original to render smaller derivatives from; two more "
        "levels halve it. 0 switches them off.",
    )
    presets: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_PRESETS),
        validate_default=True,  # so the default is parsed into Presets too
        description="Named parameter sets for ?preset=NAME, as query strings "
        '(environment: a JSON object, e.g. {"thumb": "width=256&height=256"}).',
    )
    jpeg_quality: int = Field(
        DEFAULT_QUALITIES["jpeg"], ge=1, le=100, description="Default JPEG quality."
    )
    webp_quality: int = Field(
        DEFAULT_QUALITIES["webp"], ge=1, le=100, description="Default WebP quality."
    )
    avif_quality: int = Field(
        DEFAULT_QUALITIES["avif"], ge=1, le=100, description="Default AVIF quality."
    )
    webp_effort: int = Field(
        DEFAULT_WEBP_EFFORT,
        ge=0,
        le=6,
        description="libwebp effort of WebP derivatives, 0-6: 4 encodes in about "
        "twice the time of 2 for 15-50 % fewer bytes at the same SSIM.",
    )
    # Off by default: derivatives are cached whole, above libvips, and its
    # operation cache only kept decoded pixels alive (~25 MiB per worker).
    cache_max_operations: int = Field(
        0, ge=0, description="libvips operation cache entries per process; 0 = off."
    )
    concurrency: int = Field(
        1,
        ge=1,
        le=64,
        description="libvips threads per image; 1 suits many parallel requests.",
    )
    max_parallel_renders: int = limit(
        2,
        "Renders running at once per worker process; more wait.",
        exceeded="503 if no slot frees up within timeout_seconds (until then, "
        "requests wait)",
        ge=1,
    )
    timeout_seconds: float = limit(
        10.0,
        "Time limit of one render; past it the answer is 503.",
        exceeded="503",
        gt=0,
    )
    derivative_cache_bytes: int = Field(
        1024**3,
        ge=0,
        description="Total size of cached derivatives; least recently used ones "
        "are evicted past it.",
    )
    derivative_memory_bytes: int = Field(
        8 * MIB,
        ge=0,
        description="Per worker process: the most recently served derivatives "
        f"of up to {DERIVATIVE_MEMORY_ENTRY_MAX_BYTES // 1024} KiB kept in "
        "memory, each served from there while its stored file is unchanged; "
        "0 = off.",
    )
    derivative_cache_user_percent: int = Field(
        10,
        ge=1,
        le=100,
        description="Share of derivative_cache_bytes one user's derivatives may "
        "fill, in percent; past it that user's least recently used ones go first.",
    )

    @field_validator("presets", mode="before")
    @classmethod
    def _presets_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError("must be a JSON object of name: query") from None
        return value

    @field_validator("presets")
    @classmethod
    def _presets_parse(cls, value: dict[str, str]) -> Presets:
        return load_presets(value)  # parsed once; services use .parameters

    @property
    def qualities(self) -> dict[str, int]:
        """Default quality per lossy format, as ``parse_options`` takes it."""
        return {
            "jpeg": self.jpeg_quality,
            "webp": self.webp_quality,
            "avif": self.avif_quality,
        }


class SigningConfig(Section):
    """Public signed URLs of images (the publishing routes)."""

    default_expires_seconds: int = Field(
        3600, ge=1, description="Lifetime of a signed URL when none is asked for."
    )
    max_expires_seconds: int = Field(
        7 * 86400, ge=1, description="Longest lifetime a signed URL may be given."
    )
    revocation_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=5,
        description="How long each worker trusts what it read of an owner's key "
        "generation and disabled flag; a rotated key or a disabled owner "
        "stops their URLs within this time.",
    )

    @model_validator(mode="after")
    def _default_within_max(self) -> SigningConfig:
        if self.default_expires_seconds > self.max_expires_seconds:
            raise ValueError("default_expires_seconds exceeds max_expires_seconds")
        return self


class MetricsConfig(Section):
    enabled: bool = Field(
        True,
        description="Serve the Prometheus metrics. Without a token they are served "
        "only when host is a loopback address.",
    )
    token: str = Field(
        "",
        description="Bearer token a scraper must send for the metrics; needed "
        "when host is not a loopback address.",
        json_schema_extra=SECRET,
    )


class StorageConfig(Section):
    backend: Literal["local", "s3", "memory"] = Field(
        "local",
        description="Where image bytes live: local (data_dir/images), s3 or memory.",
    )
    s3_bucket: str = Field("", description="Bucket name (required for s3).")
    s3_prefix: str = Field("", description="Key prefix inside the bucket.")
    s3_endpoint_url: str = Field(
        "", description="For S3-compatible services (MinIO, Ceph); empty for AWS."
    )
    s3_region: str = Field("", description="Region; empty uses the SDK's default.")
    s3_access_key_id: str = Field(
        "",
        description="Access key; empty uses the SDK's credential chain.",
        json_schema_extra=SECRET,
    )
    s3_secret_access_key: str = Field(
        "", description="Secret for the access key.", json_schema_extra=SECRET
    )

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> StorageConfig:
        if self.backend == "s3" and not self.s3_bucket:
            raise ValueError("s3_bucket is required when backend is s3")
        return self


class JobsConfig(Section):
    """Derived work owed to uploads (the pyramid, near-duplicate pairs),
    done after the answer by runner threads in each worker process."""

    runners_per_worker: int = Field(
        1,
        ge=1,
        le=16,
        description="Jobs a worker process runs at once; each decodes one image.",
    )
    start_delay_seconds: float = Field(
        0.0,
        ge=0,
        description="Pause after a worker starts before its runners claim jobs "
        "(until then images are rendered from their originals).",
    )
    yield_seconds: float = Field(
        1.0,
        ge=0,
        description="Before each job a runner waits up to this long for its "
        "worker to be answering no request: derived work runs between requests, "
        "and still once per this long under steady load (0: never waits).",
    )
    max_deferral_seconds: float = Field(
        30.0,
        ge=0,
        description="Once the jobs being run waited longer than this since their "
        "upload, runners stop waiting for quiet moments until they catch up.",
    )
    lease_seconds: float = Field(
        120.0,
        gt=0,
        description="How long a claimed job belongs to its runner; past it (the "
        "worker died) any runner takes it again.",
    )
    poll_seconds: float = Field(
        5.0,
        gt=0,
        description="How often an idle runner looks for jobs other workers left "
        "(its own worker's uploads wake it at once).",
    )
    max_attempts: int = Field(
        5,
        ge=1,
        description="Failures after which a job is given up (logged; the image "
        "keeps being rendered from its original).",
    )


class Config(Section):
    host: str = Field("127.0.0.1", min_length=1, description="Address to listen on.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to listen on.")
    workers: int = Field(
        0, ge=0, description="Server worker processes; 0 means one per CPU."
    )
    data_dir: Path = Field(
        Path("./data"),
        description="Folder for the SQLite file, stored images and the secret.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means SQLite in data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
        json_schema_extra=URL_WITH_PASSWORD,
    )
    secret_key: str = Field(
        "",
        description="Signs cursors and URLs; empty means generate one into "
        "data_dir/secret_key (mode 0600).",
        json_schema_extra=SECRET,
    )
    redis_url: str = Field(
        "",
        description="Keep rate-limit counters in Redis (redis://host:6379/0); "
        "empty means in the database.",
        json_schema_extra=URL_WITH_PASSWORD,
    )
    log_level: str = Field(
        "info",
        pattern=r"^(debug|info|warning|error|critical)$",
        description="debug, info, warning, error or critical.",
    )
    trust_forwarded_headers: bool = Field(
        False,
        description="Take the scheme and host from X-Forwarded-Proto and "
        "X-Forwarded-Host (only behind a proxy that always sets them).",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="Log lines on stdout: json (one object per line), text, or "
        "auto (text on a terminal, json otherwise).",
    )
    auth: AuthConfig = AuthConfig()
    limits: Limits = Limits()
    storage: StorageConfig = StorageConfig()
    processing: ProcessingConfig = ProcessingConfig()
    quotas: QuotaConfig = QuotaConfig()
    usage: UsageConfig = UsageConfig()
    signing: SigningConfig = SigningConfig()
    metrics: MetricsConfig = MetricsConfig()
    jobs: JobsConfig = JobsConfig()

    @field_validator("secret_key")
    @classmethod
    def _secret_long_enough(cls, value: str) -> str:
        if value and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'imageapi.db'}"

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with some keys replaced, validated like the original."""
        merged = _deep_merge(self.model_dump(), changes)
        return _validate(merged, source={})


@dataclass(frozen=True)
class LoadedConfig:
    """The validated config and where each value came from."""

    config: Config
    file: str | None
    # dotted key -> "file" or the environment variable; absent keys are defaults
    sources: dict[str, str]


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Defaults, then the user file, then ``IMAGEAPI_*`` variables, validated."""
    return load_config_with_sources(path, environ).config


def load_config_with_sources(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Like ``load_config``, also telling where each value came from.

    Raises:
        ConfigError: an unreadable file, an unknown key or variable, a bad value.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    sources: dict[str, str] = {}
    path = path or environ.get(CONFIG_FILE_VARIABLE)
    if path:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError(f"config file {path}: {exc.strerror}") from None
        data = _read_yaml(text, str(path))
        for key in _check_known_keys(data, Config, str(path)):
            sources[key] = "file"
    env_values, env_sources = _from_environment(environ)
    sources.update(
        (".".join(parts), variable) for parts, variable in env_sources.items()
    )
    config = _validate(_deep_merge(data, env_values), env_sources)
    return LoadedConfig(config, str(path) if path else None, sources)


def ensure_secret(config: Config) -> Config:
    """Return config with a secret key, generating and keeping one if none is set.

    The generated key lives in ``data_dir/secret_key`` with mode 0600, so it
    survives restarts and is shared by every worker, yet never enters the repo.
    """
    if config.secret_key:
        return config
    config.data_dir.mkdir(parents=True, exist_ok=True)
    secret_path = config.data_dir / SECRET_FILE_NAME
    try:
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = secret_path.read_text().strip()
    else:
        secret = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
    return config.model_copy(update={"secret_key": secret})


def environment_variables() -> list[tuple[str, str, Any, str]]:
    """(variable, key, default, description) for every setting, for the docs."""
    rows = []
    for name, field in Config.model_fields.items():
        section = _section_model(field.annotation)
        if section is not None:
            for sub, subfield in section.model_fields.items():
                variable = f"{ENV_PREFIX}{name}_{sub}".upper()
                description = subfield.description or ""
                rows.append((variable, f"{name}.{sub}", subfield.default, description))
        else:
            variable = f"{ENV_PREFIX}{name}".upper()
            rows.append((variable, name, field.default, field.description or ""))
    return rows


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{origin}: not valid YAML ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of settings")
    return data


def _from_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict]:
    settings = {row[0]: row[1] for row in environment_variables()}
    values: dict[str, Any] = {}
    source: dict[tuple[str, ...], str] = {}
    for variable, value in environ.items():
        if not variable.startswith(ENV_PREFIX) or _is_not_a_setting(variable):
            continue
        if variable not in settings:
            raise ConfigError(
                f"unknown environment variable {variable}"
                f"{_did_you_mean(variable, settings, ENV_PREFIX)}"
            )
        parts = tuple(settings[variable].split("."))
        target = values
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
        source[parts] = variable
    return values, source


def _is_not_a_setting(variable: str) -> bool:
    return variable == CONFIG_FILE_VARIABLE or variable.startswith(NON_SETTING_PREFIXES)


def _check_known_keys(
    data: Mapping[str, Any], model: type[BaseModel], origin: str, prefix: str = ""
) -> list[str]:
    """The dotted keys of the settings in ``data``; an unknown one is an error."""
    keys = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        field = model.model_fields.get(str(name))
        if field is None:
            known = [f"{prefix}{known}" for known in model.model_fields]
            raise ConfigError(
                f"config file {origin}: unknown setting {key}"
                f"{_did_you_mean(key, known, prefix)}"
            )
        section = _section_model(field.annotation)
        if section is not None and isinstance(value, Mapping):
            keys += _check_known_keys(value, section, origin, f"{key}.")
        else:
            keys.append(key)
    return keys


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a section field (``auth``, ``limits``, ...), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _did_you_mean(name: str, known: Iterable[str], common: str = "") -> str:
    """``; did you mean X?`` for the closest of ``known``, or nothing.

    ``common`` is a prefix every name shares; it is left out of the comparison
    so that it does not make unrelated names look alike.
    """
    candidates = {option.removeprefix(common): option for option in known}
    close = difflib.get_close_matches(name.removeprefix(common), candidates, n=1)
    return f"; did you mean {candidates[close[0]]}?" if close else ""


def _validate(data: dict[str, Any], source: dict) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(str(part) for part in error["loc"])
        key = ".".join(location)
        where = f"{source[location]} ({key})" if location in source else key
        value = error.get("input")
        hidden = isinstance(value, dict) or _is_secret(location)
        shown = "" if hidden else f", got {value!r}"
        raise ConfigError(f"invalid setting {where}: {error['msg']}{shown}") from None


def _is_secret(location: tuple[str, ...]) -> bool:
    """Whether the setting at ``location`` (or the one holding it) is a secret,
    whose value an error message must not repeat."""
    model: Any = Config
    for part in location:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return False
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get("secret"):
            return True
        model = field.annotation
    return False


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
