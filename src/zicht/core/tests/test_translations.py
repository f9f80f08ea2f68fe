"""The English catalogue is complete, keeps its placeholders and is compiled."""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

import zicht

LC_MESSAGES = Path(zicht.__file__).resolve().parent / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# Named printf-style placeholders: %(name)s, %(n)d, %(total)5.2f, ...
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+(".*")$')
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(literal: str) -> str:
    body = literal.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), body)


def parse_po(path: Path) -> list[Entry]:
    """Parse a .po file into entries; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: tuple[str, int] | None = None  # (keyword, plural index) being continued

    def target(number: int) -> Entry:
        nonlocal entry
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, current = None, None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if entry is not None and current is not None:
                entry, current = None, None  # comments start the next entry
            if line.startswith("#,"):
                target(number).flags.update(flag.strip() for flag in line[2:].split(","))
            else:
                target(number)
        elif match := KEYWORD.match(line):
            keyword, index, literal = match.groups()
            if current is not None and (
                keyword == "msgctxt" or (keyword == "msgid" and current[0] == "msgstr")
            ):
                entry = None  # the next entry starts without a blank line
            e = target(number)
            current = (keyword.split("[")[0], int(index or 0))
            _append(e, current, _unquote(literal))
        elif line.startswith('"') and entry is not None and current is not None:
            _append(entry, current, _unquote(line))
        else:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
    return entries


def _append(entry: Entry, current: tuple[str, int], text: str) -> None:
    keyword, index = current
    if keyword == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif keyword == "msgid":
        entry.msgid += text
    elif keyword == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + text


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    parsed = parse_po(PO_PATH)
    assert parsed, f"no entries parsed from {PO_PATH}"
    return parsed


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid]


def test_header_declares_english(entries: list[Entry]) -> None:
    header = next(e for e in entries if not e.msgid)
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]


def test_every_message_is_translated_and_not_fuzzy(entries: list[Entry]) -> None:
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    untranslated = [
        e.label
        for e in _messages(entries)
        if not e.msgstr
        or any(not s for s in e.msgstr.values())
        or (e.msgid_plural is not None and len(e.msgstr) < 2)
    ]
    report = [f"fuzzy: {label}" for label in fuzzy]
    report += [f"untranslated: {label}" for label in untranslated]
    assert not report, "incomplete English catalogue:\n" + "\n".join(report)


def test_translations_keep_placeholders(entries: list[Entry]) -> None:
    problems = []
    for e in _messages(entries):
        for index, translated in e.msgstr.items():
            source = e.msgid if index == 0 or e.msgid_plural is None else e.msgid_plural
            expected = set(PLACEHOLDER.findall(source))
            found = set(PLACEHOLDER.findall(translated))
            if expected != found:
                problems.append(f"{e.label} [{index}]: expected {expected}, found {found}")
    assert not problems, "placeholder mismatches:\n" + "\n".join(problems)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_mo_is_compiled_from_current_po() -> None:
    # The same msgfmt call as Django's compilemessages, writing to stdout instead.
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "-", str(PO_PATH)],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages"
    assert result.stdout == MO_PATH.read_bytes(), (
        f"{MO_PATH.name} is out of date: run `django-admin compilemessages -l en`"
    )


def test_english_is_served() -> None:
    with translation.override("en"):
        assert translation.gettext("Uitloggen") == "Log out"
        assert translation.gettext("Welkom, %(name)s") % {"name": "Ada"} == "Welcome, Ada"
    with translation.override("nl"):
        assert translation.gettext("Uitloggen") == "Uitloggen"
