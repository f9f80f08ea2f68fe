"""Configuration errors name the variable; production settings pass the deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zicht import config

GOOD = {
    "ZICHT_DEPLOYMENT": "demo",
    "ZICHT_ROLE": "node",
    "ZICHT_REGION": "limburg",
    "ZICHT_SECRET_KEY": "x" * 60,
}


def _load(**overrides: str | None) -> config.Config:
    env = {k: v for k, v in {**GOOD, **overrides}.items() if v is not None}
    return config.load(env, base_dir=Path("/srv/zicht"))


def test_valid_node_config() -> None:
    cfg = _load()
    assert cfg.role == "node"
    assert cfg.region == "limburg"
    assert cfg.instance_name == "node-limburg"
    assert cfg.database_url.endswith("var/node-limburg/db.sqlite3")


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"ZICHT_ROLE": None}, "ZICHT_ROLE"),
        ({"ZICHT_ROLE": "server"}, "ZICHT_ROLE"),
        ({"ZICHT_REGION": None}, "ZICHT_REGION"),
        ({"ZICHT_REGION": "utrecht"}, "ZICHT_REGION"),
        ({"ZICHT_ROLE": "hub"}, "ZICHT_REGION"),
        ({"ZICHT_DEPLOYMENT": "staging"}, "ZICHT_DEPLOYMENT"),
        ({"ZICHT_SECRET_KEY": None}, "ZICHT_SECRET_KEY"),
        ({"ZICHT_SECRET_KEY_FILE": "/nonexistent/key"}, "ZICHT_SECRET_KEY"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"ZICHT_REQUIRE_2FA": "maybe"}, "ZICHT_REQUIRE_2FA"),
        ({"ZICHT_HUB_URL": "hub.example"}, "ZICHT_HUB_URL"),
        ({"ZICHT_DEPLOYMENT": "production"}, "DATABASE_URL"),
        (
            {"ZICHT_DEPLOYMENT": "production", "DATABASE_URL": "postgres://db/zicht"},
            "ZICHT_ALLOWED_HOSTS",
        ),
        (
            {
                "ZICHT_DEPLOYMENT": "production",
                "DATABASE_URL": "postgres://db/zicht",
                "ZICHT_ALLOWED_HOSTS": "zicht.example",
                "ZICHT_REQUIRE_2FA": "false",
            },
            "ZICHT_REQUIRE_2FA",
        ),
        (
            {
                "ZICHT_DEPLOYMENT": "production",
                "DATABASE_URL": "postgres://db/zicht",
                "ZICHT_ALLOWED_HOSTS": "zicht.example",
                "ZICHT_SECRET_KEY": "short",
            },
            "ZICHT_SECRET_KEY",
        ),
    ],
)
def test_bad_setting_names_its_variable(overrides: dict[str, str | None], variable: str) -> None:
    with pytest.raises(config.ConfigError, match=variable):
        _load(**overrides)


def _run_zicht(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZICHT_", "DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "zicht.manage", *args],
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "zicht.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_stops_with_the_variable_name() -> None:
    result = _run_zicht(["check"], {"ZICHT_DEPLOYMENT": "demo", "ZICHT_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "ZICHT_ROLE is not set" in result.stderr


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = {
        "ZICHT_DEPLOYMENT": "production",
        "ZICHT_ROLE": "hub",
        "ZICHT_SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ZICHT_ALLOWED_HOSTS": "hub.zicht.example",
        "ZICHT_VAR_DIR": str(tmp_path),
    }
    result = _run_zicht(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
