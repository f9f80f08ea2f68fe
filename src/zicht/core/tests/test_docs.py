"""Documentation that must keep up with the code (after Datasette's tests/test_docs.py).

A setting that is read from the environment but not documented, or an ADR without its three
sections, fails the suite instead of waiting for a reader to notice.
"""

import ast
import re
from pathlib import Path

import pytest

from zicht import config

REPO_ROOT = Path(__file__).resolve().parents[4]
DOCS = REPO_ROOT / "docs"
ENV_NAME = re.compile(r"^(?:ZICHT_[A-Z0-9_]+|DATABASE_URL)$")
ADR_NAME = re.compile(r"^\d{4}-[a-z0-9-]+\.md$")


def env_names_in_config() -> set[str]:
    # Every string constant that is exactly a variable name: the arguments of env.get(),
    # _bool(), _choice(). Error messages mention names too, but never as the whole string.
    tree = ast.parse(Path(config.__file__).read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and ENV_NAME.match(node.value)
    }


def documented_names() -> set[str]:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    return set(re.findall(r"^### `?([A-Z][A-Z0-9_]*)`?\s*$", text, re.MULTILINE))


def test_config_reads_the_variables_we_expect():
    # Guards the parser above: if it found nothing, the next test would pass vacuously.
    names = env_names_in_config()
    assert {"ZICHT_ROLE", "ZICHT_REGION", "DATABASE_URL", "ZICHT_SECRET_KEY"} <= names


@pytest.mark.parametrize("name", sorted(env_names_in_config()))
def test_every_environment_variable_is_documented(name):
    assert name in documented_names(), f"{name} is read in config.py; add '### {name}'"


def test_no_documented_variable_is_stale():
    stale = documented_names() - env_names_in_config()
    assert not stale, f"docs/configuration.md documents unused variables: {sorted(stale)}"


def adr_files() -> list[Path]:
    return sorted((DOCS / "adr").glob("*.md"))


def test_there_are_adrs():
    assert adr_files()


@pytest.mark.parametrize("path", adr_files(), ids=lambda p: p.name)
def test_adr_has_the_standard_sections(path):
    assert ADR_NAME.match(path.name), f"{path.name}: name it NNNN-short-title.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# "), f"{path.name}: start with a '# ' title"
    headings = re.findall(r"^## (.+?)\s*$", text, re.MULTILINE)
    for section in ("Context", "Decision", "Consequences"):
        assert section in headings, f"{path.name}: missing '## {section}'"
    assert re.search(r"^Status: \w+", text, re.MULTILINE), f"{path.name}: missing 'Status:'"
    assert re.search(r"^Date: \d{4}-\d{2}-\d{2}$", text, re.MULTILINE), f"{path.name}: no 'Date:'"


def test_adr_numbers_are_unique():
    numbers = [p.name[:4] for p in adr_files()]
    assert len(numbers) == len(set(numbers))
