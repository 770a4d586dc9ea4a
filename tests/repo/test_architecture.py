"""docs/architecture.md stays true: every role, entry point and path it names exists.

- `meshlab.linkerd.<name>`: a role, a module, a filter (plugins/filter/<name>.yml) or a playbook;
- `<role>:<entry>`: roles/<role>/tasks/<entry>.yml exists and is an entry point of
  roles/<role>/meta/argument_specs.yml (the `main` entry point needs only the spec);
- `roles/...`, `playbooks/...`, `plugins/...`, `extensions/...`, `tests/...`, `docs/...`,
  `scripts/...` and dot files in backticks: the path exists.
"""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"


def text():
    return DOC.read_text(encoding="utf-8")


def code_spans():
    return re.findall(r"`([^`\n]+)`", text())


def collection_names():
    names = {p.name for p in (ROOT / "roles").iterdir() if p.is_dir()}
    names |= {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py")}
    names |= {p.stem for p in (ROOT / "plugins" / "filter").glob("*.yml")}
    names |= {p.stem for p in (ROOT / "playbooks").glob("*.yml")}
    return names


def entry_points(role):
    spec = ROOT / "roles" / role / "meta" / "argument_specs.yml"
    if not spec.exists():
        return set()
    with open(spec, encoding="utf-8") as f:
        return set((yaml.safe_load(f) or {}).get("argument_specs", {}))


def test_the_page_names_the_internal_roles_and_their_entry_points():
    spans = code_spans()
    assert "meshlab.linkerd.common" in text() and "meshlab.linkerd.artifact" in text()
    assert any(re.match(r"^common:[a-z0-9_]+$", s) for s in spans), "no common:<entry> named"
    assert any(re.match(r"^artifact:[a-z0-9_]+$", s) for s in spans), "no artifact:<entry> named"


def test_every_meshlab_name_exists():
    known = collection_names()
    named = set(re.findall(r"meshlab\.linkerd\.([a-z0-9_]+)", text())) - {"site", "stage", "role"}
    missing = sorted(n for n in named if n not in known)
    assert not missing, "docs/architecture.md names meshlab.linkerd.%s, which does not exist" % missing


def test_every_role_is_named():
    roles = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
    unnamed = [r for r in roles if "meshlab.linkerd.%s" % r not in text()]
    assert not unnamed, "docs/architecture.md does not name the roles %s" % unnamed


def test_every_entry_point_exists():
    bad = []
    for span in code_spans():
        m = re.match(r"^([a-z0-9_]+):([a-z0-9_]+)$", span)
        if not m:
            continue
        role, entry = m.groups()
        tasks = ROOT / "roles" / role / "tasks" / ("%s.yml" % entry)
        if not tasks.exists() or entry not in entry_points(role):
            bad.append(span)
    assert not bad, "docs/architecture.md names entry points that do not exist (tasks file + argument spec): %s" % bad


def test_every_entry_point_of_the_internal_roles_is_named():
    spans = set(code_spans())
    missing = sorted("%s:%s" % (role, e) for role in ("common", "artifact") for e in entry_points(role)
                     if e != "main" and "%s:%s" % (role, e) not in spans)
    assert not missing, "docs/architecture.md does not describe the entry points %s" % missing


def test_every_path_exists():
    bad = []
    for span in code_spans():
        path = span.split()[0]
        if not re.match(r"^(roles|playbooks|plugins|extensions|tests|docs|scripts)/|^\.[a-z]", path):
            continue
        if "<" in path or "*" in path:
            continue
        if not (ROOT / path.rstrip("/")).exists():
            bad.append(path)
    assert not bad, "docs/architecture.md names paths that do not exist: %s" % bad
