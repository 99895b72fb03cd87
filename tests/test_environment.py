"""The project's own files pin the environment, and the three lists agree."""

from __future__ import annotations

import re
import tomllib

from analysis.paths import REPO_ROOT


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, str]:
    deps = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = dict(d.split("==") for d in deps)
    assert len(pins) == len(deps), "every dependency in pyproject.toml is pinned with =="
    return {_norm(k): v for k, v in pins.items()}


def _environment_yml() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s*-\s*([A-Za-z0-9_.-]+)=([^=\s]+)\s*$", line)
        if match and match[1] != "python":
            pins[_norm(match[1])] = match[2]
    return pins


def _lock() -> dict[str, str]:
    lines = (REPO_ROOT / "requirements.lock").read_text().splitlines()
    return {_norm(n): v for n, v in (l.split("==") for l in lines if "==" in l)}


def test_environment_yml_lists_the_same_packages_and_versions_as_pyproject():
    assert _environment_yml() == _pyproject()


def test_the_lock_file_pins_every_direct_dependency_at_the_same_version():
    lock = _lock()
    assert {name: lock.get(name) for name in _pyproject()} == _pyproject()


def test_the_notebook_kernel_is_the_projects_own():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "ipykernel install --sys-prefix --name $(KERNEL)" in makefile
    assert "KERNEL := dti-suite" in makefile


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO_ROOT / ".ci/run").read_text()
    assert "make test" in (REPO_ROOT / "README.md").read_text()
