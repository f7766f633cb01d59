"""The docs name the code as it is.

docs/api.md lists each package's public names with their parameters and runs an
example per package; every Python name any doc cites (``gwr.GammaGWR``,
``clifer.metrics.mean_interval``, ...) must exist, and docs/algorithms.md's
defaults must be the code's. A rename, a moved function or a changed default
fails here until the docs follow.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
API = ROOT / "docs" / "api.md"
ALGORITHMS = ROOT / "docs" / "algorithms.md"
PACKAGES = ("gwr", "facedata", "imagination", "clifer")

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
NAME = re.compile(rf"^((?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+)(\((.*)\))?")


def prose(path: Path) -> list[tuple[int, str]]:
    """The lines of a Markdown file outside its code blocks, numbered."""
    out, in_fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            out.append((number, line))
    return out


def code_blocks(path: Path, language: str) -> list[tuple[int, str]]:
    """The fenced code blocks of ``language``: (first line's number, code)."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if current is None and line.strip() == f"```{language}":
            current, start = [], number + 1
        elif current is not None and FENCE.match(line):
            blocks.append((start, "\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def cited_names(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, dotted name, parameters or None) of each code span naming a package's object."""
    found = []
    for number, line in prose(path):
        for _, span in CODE_SPAN.findall(line):
            match = NAME.match(span.strip())
            if match:
                found.append((number, match.group(1), match.group(3)))
    return found


def resolve(dotted: str):
    """The object a dotted name names: the longest importable module, then attributes.

    Raises LookupError naming the part that is missing.
    """
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue  # not a module: an attribute of a shorter prefix
            raise
        for part in parts[split:]:
            if not hasattr(obj, part):
                raise LookupError(f"{'.'.join(parts[: parts.index(part)])} has no {part!r}")
            obj = getattr(obj, part)
        return obj
    raise LookupError(f"no module {parts[0]!r}")


def split_parameters(text: str) -> list[str]:
    """``a, b=(1, 2), *, c="x,y"`` -> ["a", "b=(1, 2)", "*", 'c="x,y"'] (top-level commas)."""
    out, depth, quote, current = [], 0, None, ""
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            out.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        out.append(current.strip())
    return out


def parameter_problems(obj, written: str) -> list[str]:
    """What in a written parameter list the signature of ``obj`` does not have."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    params = signature.parameters
    problems = []
    for item in split_parameters(written):
        if item in ("...", "*", "/"):
            continue
        name, _, default = item.partition("=")
        name = name.strip().lstrip("*")
        if name not in params:
            problems.append(f"no parameter {name!r}")
            continue
        if not default:
            continue
        try:
            value = ast.literal_eval(default.strip())
        except (ValueError, SyntaxError):
            continue
        actual = params[name].default
        if actual is inspect.Parameter.empty or actual != value:
            problems.append(f"{name} defaults to {actual!r}, not {value!r}")
    return problems


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_every_python_name_a_doc_cites_exists(doc):
    wrong = []
    for number, dotted, written in cited_names(doc):
        try:
            obj = resolve(dotted)
        except LookupError as error:
            wrong.append(f"{_id(doc)}:{number}: {dotted}: {error}")
            continue
        if written is not None and doc == API:
            wrong += [
                f"{_id(doc)}:{number}: {dotted}: {p}" for p in parameter_problems(obj, written)
            ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_api_page_lists_each_package_whole(package):
    module = importlib.import_module(package)
    listed = {dotted for _, dotted, _ in cited_names(API)}
    missing = sorted(name for name in module.__all__ if f"{package}.{name}" not in listed)
    assert not missing, f"docs/api.md does not list {package}'s {missing}"
    assert f"## `{package}`" in API.read_text(encoding="utf-8")


def examples() -> list:
    """The API page's Python examples, each named by its package's section."""
    text = API.read_text(encoding="utf-8").splitlines()
    out = []
    for start, code in code_blocks(API, "python"):
        sections = [line for line in text[:start] if line.startswith("## ")]
        name = re.sub(r"\W+", "-", sections[-1][3:]).strip("-") if sections else "top"
        out.append(pytest.param(start, code, id=name))
    return out


@pytest.mark.parametrize("start, code", examples())
def test_the_api_page_examples_run(start, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"docs/api.md, the example from line {start}", "exec"), {})


def stated(text: str, symbol: str) -> float:
    """The number a doc states for ``symbol`` (``a_T = 0.35``, ``rec 1``, ``(5)``...)."""
    match = re.search(rf"{symbol}[`)]*\s*=?\s*\(?(-?[0-9][0-9.e+-]*)", text)
    assert match, f"docs/algorithms.md does not state {symbol}"
    return float(match.group(1).rstrip("."))


def paragraph(text: str, start: str) -> str:
    """The paragraph (or list item) of ``text`` that begins with ``start``."""
    begin = text.index(start)
    end = re.compile(r"\n\s*\n|\n- ").search(text, begin + len(start))
    return text[begin : end.start() if end else None]


def test_algorithms_page_states_the_code_defaults():
    from clifer.learners import LearnerSettings
    from gwr import GammaGWR, GrowingDualMemory
    from imagination import CAAEConfig

    text = ALGORITHMS.read_text(encoding="utf-8")
    net = inspect.signature(GammaGWR).parameters
    defaults = paragraph(text, "Defaults: `GammaGWR`")
    for symbol, name in [
        ("a_T", "activation_threshold"),
        ("h_T", "habituation_threshold"),
        ("eps_b", "epsilon_b"),
        ("eps_n", "epsilon_n"),
        ("tau_b", "tau_b"),
        ("tau_n", "tau_n"),
        ("kappa", "kappa"),
        ("max_age", "max_age"),
    ]:
        assert stated(defaults, symbol) == net[name].default, symbol

    gdm = inspect.signature(GrowingDualMemory).parameters
    for memory, start in [("episodic", "- **GDM-E**"), ("semantic", "- **GDM-S**")]:
        item = paragraph(text, start)
        for symbol, name in [
            ("eps_b", "epsilon_b"),
            ("a_T", "activation_threshold"),
            ("h_T", "habituation_threshold"),
            ("max_age", "max_age"),
        ]:
            assert stated(item, symbol) == gdm[f"{memory}_{name}"].default, (memory, symbol)

    settings = LearnerSettings()
    for name in ("episode_size", "episode_epochs", "replay_epochs", "imagination_epochs"):
        assert stated(text, rf"\b{name}") == getattr(settings, name), name

    config = CAAEConfig()
    objective = paragraph(text, "**Objective**")
    for symbol, name in [
        ("rec", "rec_weight"),
        ("id", "id_weight"),
        ("z", "z_weight"),
        ("img", "img_weight"),
        ("cls", "cls_weight"),
        ("tv", "tv_weight"),
        ("lr", "learning_rate"),
        ("beta_1", "beta_1"),
        ("batch", "batch_size"),
    ]:
        assert stated(objective, rf"\b{symbol}") == getattr(config, name), symbol
    schedules = paragraph(text, "**Schedules.**")
    assert stated(schedules, "default") == config.warmup_epochs


# The checker itself, on hand-made cases.


def test_names_and_parameters_are_read_from_code_spans(tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text(
        "`gwr.GammaGWR(max_age=600, ...)` and `facedata.CLASSES`, not `gwr/memory.py`\n"
        "```python\nimport gwr.nothing\n```\n`clifer.nothing.here`\n"
    )
    assert cited_names(doc) == [
        (1, "gwr.GammaGWR", "max_age=600, ..."),
        (1, "facedata.CLASSES", None),
        (5, "clifer.nothing.here", None),
    ]


def test_a_missing_name_or_parameter_is_found():
    import gwr

    assert resolve("gwr.GammaGWR.partial_fit") is gwr.GammaGWR.partial_fit
    with pytest.raises(LookupError, match="no 'fit_fast'"):
        resolve("gwr.GammaGWR.fit_fast")
    with pytest.raises(LookupError):
        resolve("gwr.no_such_module.name")
    assert parameter_problems(gwr.GammaGWR, "max_age=600, ..., aging='bmu'") == []
    assert parameter_problems(gwr.GammaGWR, "max_age=60, speed=2") == [
        "max_age defaults to 600, not 60",
        "no parameter 'speed'",
    ]
    assert split_parameters('a, b=(1, 2), *, c="x,y", **kw') == [
        "a",
        "b=(1, 2)",
        "*",
        'c="x,y"',
        "**kw",
    ]
