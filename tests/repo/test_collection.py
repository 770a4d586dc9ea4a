"""Repository-wide rules that no linter checks for us (run by scripts/test.sh, stage `pytest`).

- every role's defaults match its meta/argument_specs.yml (names and default values), as
  prometheus.prometheus checks in its CI;
- every default is documented in the role's README;
- role variables carry the role prefix (or the shared `meshlab_` prefix);
- the one ansible-lint exception (.ansible-lint-ignore) covers only files of `meshlab_*` settings,
  and no `# noqa` in roles/ comes without a reason;
- every role is exercised by a molecule scenario;
- no `curl | sh` anywhere in roles or playbooks;
- .ci/run calls the README's test command.
"""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def role_defaults(role):
    path = role / "defaults" / "main.yml"
    return load(path) if path.exists() else {}


def role_options(role):
    spec = load(role / "meta" / "argument_specs.yml")
    return spec["argument_specs"]["main"].get("options", {}) or {}


def test_there_are_roles():
    assert ROLES, "no roles found"


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_argument_specs_match_defaults(role):
    assert (role / "meta" / "argument_specs.yml").exists(), "%s has no meta/argument_specs.yml" % role.name
    defaults, options = role_defaults(role), role_options(role)
    missing = sorted(set(defaults) - set(options))
    assert not missing, "%s: defaults without an argument spec: %s" % (role.name, missing)
    for name, opt in options.items():
        if opt.get("required"):
            continue
        assert name in defaults, "%s: option %s has no value in defaults/main.yml" % (role.name, name)
        if "default" in opt:
            assert opt["default"] == defaults[name], "%s: %s default differs: spec %r, defaults %r" % (
                role.name, name, opt["default"], defaults[name])


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_defaults_documented_in_readme(role):
    readme = role / "README.md"
    assert readme.exists(), "%s has no README.md" % role.name
    text = readme.read_text(encoding="utf-8")
    undocumented = sorted(v for v in role_defaults(role) if v not in text)
    assert not undocumented, "%s/README.md does not mention %s" % (role.name, undocumented)


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_variables_are_role_prefixed(role):
    prefixes = (role.name.lstrip("_") + "_", "meshlab_")
    names = list(role_defaults(role))
    vars_file = role / "vars" / "main.yml"
    if vars_file.exists():
        names += list(load(vars_file))
    bad = sorted(n for n in names if not n.lstrip("_").startswith(prefixes))
    assert not bad, "%s: variables without the %s prefix: %s" % (role.name, prefixes, bad)


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_role_has_a_molecule_scenario(role):
    scenarios = ROOT / "extensions" / "molecule"
    text = "\n".join(p.read_text(encoding="utf-8") for p in scenarios.rglob("*.yml"))
    assert re.search(r"meshlab\.linkerd\.%s\b" % re.escape(role.name), text) or \
        re.search(r"\b%s\b" % re.escape(role.name), text), "no molecule scenario uses role %s" % role.name


def test_no_curl_pipe_sh():
    pattern = re.compile(r"(curl|wget)[^|\n]*\|\s*(ba|z)?sh\b")
    offenders = [str(p.relative_to(ROOT)) for d in ("roles", "playbooks") for p in (ROOT / d).rglob("*")
                 if p.is_file() and pattern.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders, "curl | sh found in %s" % offenders


def test_ci_runs_the_readme_test_command():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip() and not re.match(r"(#|set |cd |export )", ln.strip())]
    assert lines[-1] in (ROOT / "README.md").read_text(), ".ci/run's command %r is not in README.md" % lines[-1]


def lint_ignores():
    entries = []
    for line in (ROOT / ".ansible-lint-ignore").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            entries.append(line.split())
    return entries


def test_lint_ignore_exempts_only_the_meshlab_prefix():
    entries = lint_ignores()
    assert entries, ".ansible-lint-ignore is empty"
    for fields in entries:
        path, rule = fields[0], fields[1]
        assert rule == "var-naming[no-role-prefix]", "%s: only var-naming[no-role-prefix] may be ignored, not %s" % (path, rule)
        assert re.match(r"^roles/[a-z_]+/defaults/main\.yml$", path), "%s: only role defaults may be exempted" % path
        names = list(load(ROOT / path))
        bad = sorted(n for n in names if not n.startswith("meshlab_"))
        assert not bad, "%s is exempted from the role prefix for its meshlab_* settings only, but defines %s" % (path, bad)


def test_noqa_comments_carry_a_reason():
    """A `# noqa` in roles/ needs a reason on its line or in a comment just above its task."""
    offenders = []
    for p in sorted((ROOT / "roles").rglob("*.yml")):
        lines = p.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = re.search(r"#\s*noqa\b(.*)$", line)
            if not m:
                continue
            rest = re.sub(r"^:?\s*[\w\[\]-]+", "", m.group(1)).strip()
            above = [ln.strip() for ln in lines[max(0, i - 3):i]]
            if not rest and not any(ln.startswith("#") for ln in above):
                offenders.append("%s:%d" % (p.relative_to(ROOT), i + 1))
    assert not offenders, "noqa without a reason (say why on the line or in a comment above): %s" % offenders
