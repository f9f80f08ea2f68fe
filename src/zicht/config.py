"""Reading configuration from the environment.

Every setting that differs between deployments comes from an environment variable. A
missing or wrong value stops start-up with :class:`ConfigError`, whose message names the
variable, so an operator never has to guess which of a dozen settings is off.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from zicht.regions import REGION_CODES

DEPLOYMENTS = ("production", "demo", "development", "test")
ROLES = ("hub", "node")


class ConfigError(Exception):
    """A configuration variable is missing or has a value we cannot use."""


@dataclass(frozen=True)
class Config:
    role: str
    region: str | None
    deployment: str
    secret_key: str
    database_url: str
    allowed_hosts: list[str]
    require_2fa: bool
    debug: bool
    var_dir: Path
    instance_name: str
    hub_url: str | None
    allow_bsn: bool
    email_from: str
    dp_yearly_epsilon: Decimal

    @property
    def is_production(self) -> bool:
        return self.deployment == "production"


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(
    env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str | None
) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        if default is None:
            raise ConfigError(f"{name} is not set; choose one of: {', '.join(choices)}")
        return default
    if raw not in choices:
        raise ConfigError(f"{name}={raw!r} is not valid; choose one of: {', '.join(choices)}")
    return raw


def _secret_key(env: Mapping[str, str], deployment: str) -> str:
    key = env.get("ZICHT_SECRET_KEY", "").strip()
    key_file = env.get("ZICHT_SECRET_KEY_FILE", "").strip()
    if key and key_file:
        raise ConfigError("set only one of ZICHT_SECRET_KEY and ZICHT_SECRET_KEY_FILE")
    if key_file:
        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"ZICHT_SECRET_KEY_FILE={key_file!r} cannot be read: {exc}") from exc
    if not key:
        if deployment == "test":
            return "test-only-secret-key-not-for-any-real-deployment-0123456789"
        raise ConfigError("ZICHT_SECRET_KEY (or ZICHT_SECRET_KEY_FILE) is not set")
    if deployment == "production" and (len(key) < 50 or len(set(key)) < 5):
        raise ConfigError("ZICHT_SECRET_KEY is too short: use at least 50 random characters")
    return key


def load(env: Mapping[str, str] | None = None, base_dir: Path | None = None) -> Config:
    """Read and validate the configuration; raises ConfigError naming the bad variable."""
    env = os.environ if env is None else env
    base_dir = base_dir or Path.cwd()
    deployment = _choice(env, "ZICHT_DEPLOYMENT", DEPLOYMENTS, "production")
    role = _choice(env, "ZICHT_ROLE", ROLES, None)
    region: str | None = None
    if role == "node":
        region = _choice(env, "ZICHT_REGION", REGION_CODES, None)
    elif env.get("ZICHT_REGION", "").strip():
        raise ConfigError("ZICHT_REGION is set but ZICHT_ROLE=hub: the hub belongs to no region")

    var_dir = Path(env.get("ZICHT_VAR_DIR", "").strip() or base_dir / "var")
    instance_name = role if role == "hub" else f"node-{region}"
    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        if deployment == "production":
            raise ConfigError("DATABASE_URL is not set (production needs PostgreSQL)")
        database_url = f"sqlite:///{var_dir / instance_name / 'db.sqlite3'}"
    elif not database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ConfigError("DATABASE_URL must start with sqlite://, postgres:// or postgresql://")

    hosts_raw = env.get("ZICHT_ALLOWED_HOSTS", "").strip()
    if hosts_raw:
        allowed_hosts = [h.strip() for h in hosts_raw.split(",") if h.strip()]
    elif deployment == "production":
        raise ConfigError("ZICHT_ALLOWED_HOSTS is not set (comma-separated host names)")
    else:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]", "testserver"]

    require_2fa = _bool(env, "ZICHT_REQUIRE_2FA", True)
    if not require_2fa and deployment == "production":
        raise ConfigError("ZICHT_REQUIRE_2FA=false is only allowed outside production")
    debug = _bool(env, "ZICHT_DEBUG", False)
    if debug and deployment == "production":
        raise ConfigError("ZICHT_DEBUG=true is not allowed when ZICHT_DEPLOYMENT=production")

    hub_url = env.get("ZICHT_HUB_URL", "").strip() or None
    if hub_url and not hub_url.startswith(("http://", "https://")):
        raise ConfigError("ZICHT_HUB_URL must start with http:// or https://")

    return Config(
        role=role,
        region=region,
        deployment=deployment,
        secret_key=_secret_key(env, deployment),
        database_url=database_url,
        allowed_hosts=allowed_hosts,
        require_2fa=require_2fa,
        debug=debug,
        var_dir=var_dir,
        instance_name=instance_name,
        hub_url=hub_url,
        allow_bsn=_bool(env, "ZICHT_ALLOW_BSN", False),
        email_from=env.get("ZICHT_EMAIL_FROM", "").strip() or "zicht@localhost",
        dp_yearly_epsilon=_epsilon(env, "ZICHT_DP_YEARLY_EPSILON", Decimal("3")),
    )


def _epsilon(env: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a number such as 3 or 2.5, got {raw!r}") from None
    if not value.is_finite() or not Decimal(0) < value <= Decimal(100):
        raise ConfigError(f"{name} must be greater than 0 and at most 100, got {raw!r}")
    return value
