"""The docs lead nowhere outside the repository.

Every Markdown link and every cited repository path in README.md and docs/*.md
must resolve inside the repository: a relative link from the document's folder
(and its ``#anchor`` to a heading of the target), a path in backticks or in a
code block from the repository root. Web links are not followed; a path that
does not start with one of the repository's own top-level names (a path of the
user's machine, of a data set, of a run's output) is not a repository path.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

# Names in the repository's root that a clone does not carry (built, installed or
# written by a run), used when git cannot say which names are tracked.
_UNTRACKED = {".git", ".venv", ".venv-gwr", "build", "dist", "results", "runs", "tuning"}

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
PLACEHOLDER = re.compile(r"[<>*?{}$\[\]]")


def top_level_names() -> set[str]:
    """The repository's own top-level files and folders (those a clone has)."""
    try:
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        tracked = []
    names = {name.split("/", 1)[0] for name in tracked}
    if not names:
        names = {p.name for p in ROOT.iterdir()} - _UNTRACKED
        names = {n for n in names if not n.endswith(".egg-info") and n not in {".pytest_cache"}}
    names.add("docs")
    return names


TOP = top_level_names()


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text only
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors a Markdown file offers: its headings' slugs (numbered when repeated)."""
    seen: dict[str, int] = {}
    found = set()
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            found.add(base if count == 0 else f"{base}-{count}")
            seen[base] = count + 1
    return found


def split_doc(path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(prose lines, code-block lines) of a Markdown file, with their line numbers."""
    prose, code = [], []
    in_fence = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        (code if in_fence else prose).append((number, line))
    return prose, code


def links(path: Path) -> list[tuple[int, str]]:
    """The Markdown links (inline, images and reference definitions) of a file's prose."""
    prose, _ = split_doc(path)
    found = []
    for number, line in prose:
        without_code = CODE_SPAN.sub("", line)
        found += [(number, target) for target in LINK.findall(without_code)]
        match = REFERENCE.match(without_code)
        if match:
            found.append((number, match.group(1)))
    return found


def repo_path(token: str) -> str | None:
    """The repository path a token cites, or None when it cites none."""
    token = token.strip().strip("\"'(),;:")
    token = token.removeprefix("./")
    token = re.sub(r"::.*$", "", token)  # a pytest node id: its file
    token = re.sub(r":\d+(-\d+)?$", "", token)  # file:line
    token = token.split("#", 1)[0]
    if "://" in token or token.startswith(("/", "~")) or PLACEHOLDER.search(token):
        return None
    if not token or token.split("/", 1)[0] not in TOP:
        return None
    return token


def cited_paths(path: Path) -> list[tuple[int, str]]:
    """Repository paths cited in backticks in prose, and words of code blocks that are paths."""
    prose, code = split_doc(path)
    found = []
    for number, line in prose:
        for _, span in CODE_SPAN.findall(line):
            for word in span.split():
                cited = repo_path(word)
                if cited:
                    found.append((number, cited))
    for number, line in code:
        for word in re.split(r"[\s=]+", line):
            cited = repo_path(word)
            if cited and "/" in cited:
                found.append((number, cited))
    return found


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_every_link_resolves_inside_the_repository(doc):
    broken = []
    for number, target in links(doc):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http(s), mailto: not followed
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        if not resolved.exists():
            broken.append(f"{_id(doc)}:{number}: {target} (no such file)")
            continue
        if ROOT not in resolved.parents and resolved != ROOT:
            broken.append(f"{_id(doc)}:{number}: {target} (outside the repository)")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{_id(doc)}:{number}: {target} (no heading #{anchor})")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_every_cited_repository_path_exists(doc):
    missing = [
        f"{_id(doc)}:{number}: {cited}"
        for number, cited in cited_paths(doc)
        if not (ROOT / cited.rstrip("/")).exists()
    ]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_no_doc_cites_notes_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    # notes that only the developers have, and absolute paths of a machine
    outside = re.compile(
        r"ALGORITHMS\.md|(?i:design notes|the issue\b|\bissue \d+)|\.\./shared"
        r"|(?<![\w.~])/(?:home|Users|tmp)/"
    )
    found = [
        f"{_id(doc)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if outside.search(line)
    ]
    assert not found, "\n".join(found)


PACKAGES = ("gwr", "imagination", "facedata", "clifer")
COMMAND = re.compile(r"python3? -m ([A-Za-z_][\w.]*)")


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_every_command_names_a_module_that_runs(doc):
    """``python -m name`` in a doc names a module of the project with a command line."""
    missing = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        for name in COMMAND.findall(line):
            name = name.rstrip(".")
            if name.split(".")[0] not in PACKAGES:
                continue
            spec = importlib.util.find_spec(name)
            if spec is None:
                missing.append(f"{_id(doc)}:{number}: python -m {name} (no such module)")
            elif spec.submodule_search_locations is not None:
                if importlib.util.find_spec(f"{name}.__main__") is None:
                    missing.append(f"{_id(doc)}:{number}: python -m {name} (no __main__)")
            elif "__main__" not in Path(spec.origin).read_text(encoding="utf-8"):
                missing.append(f"{_id(doc)}:{number}: python -m {name} (no command line)")
    assert not missing, "\n".join(missing)


ENTRY_POINT = re.compile(r"^(?:imagination|clifer)-[a-z][a-z-]*$")  # gwr-toolkit: a distribution


def test_every_entry_point_a_doc_names_is_installed():
    """``clifer-experiment`` and the like, in a doc, are entry points of pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as file:
        scripts = tomllib.load(file)["project"].get("scripts", {})
    missing = []
    for doc in DOCS:
        prose, _ = split_doc(doc)
        for number, line in prose:
            for _, span in CODE_SPAN.findall(line):
                if ENTRY_POINT.match(span) and span not in scripts:
                    missing.append(f"{_id(doc)}:{number}: {span}")
    assert not missing, "\n".join(missing)


# The checker itself, on hand-made cases.


def test_slug_follows_githubs_rule():
    assert slug("The shipped `real` model") == "the-shipped-real-model"
    assert slug("1. Training speed against the plain-numpy reference") == (
        "1-training-speed-against-the-plain-numpy-reference"
    )
    assert slug("Real people (FER2013, LFW)") == "real-people-fer2013-lfw"
    assert slug("GDM-E & GDM-S") == "gdm-e--gdm-s"


def test_anchors_number_repeated_headings(tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text("# Title\n\n## Setup\n\n```\n# not a heading\n```\n\n## Setup\n")
    assert anchors(doc) == {"title", "setup", "setup-1"}


def test_a_missing_target_is_found(tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text(
        "See [x](missing.md), [web](https://example.org/y.md) and `gwr/no_such_module.py`.\n"
        "A user's path: `/data/fer2013`, `my-people/ada`; a run's: `results/<run>/`.\n"
        "```sh\npython -m x --config docs/no-such.toml --root /data/x\n```\n"
    )
    assert links(doc) == [(1, "missing.md"), (1, "https://example.org/y.md")]
    assert cited_paths(doc) == [(1, "gwr/no_such_module.py"), (4, "docs/no-such.toml")]


def test_repository_paths_are_recognised():
    assert repo_path("imagination/weights/real.keras") == "imagination/weights/real.keras"
    assert repo_path("./gwr") == "gwr"
    assert repo_path("tests/gwr/test_memory.py::test_replay") == "tests/gwr/test_memory.py"
    assert repo_path("gwr/network.py:120") == "gwr/network.py"
    assert repo_path("gwr.GammaGWR") is None  # a Python name, not a path
    assert repo_path("/data/lfw") is None
    assert repo_path("corpus/Actor_01") is None
    assert repo_path("results/<run>/summary.txt") is None
