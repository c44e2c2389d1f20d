"""pyproject.toml and environment.yml name the same dependencies with the same lower bounds."""

import pathlib
import re
import sys

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: tomllib's forerunner (a test dependency there, see pyproject.toml)
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"matplotlib-base": "matplotlib"}
# benchmark-only extras are installed by benchmarks/run.sh; the hub's, in the hub's own venv
# (docs/jupyterhub.md; tests/hub builds it from the wheels)
NOT_IN_ENV = {"bench", "hub"}
NOT_PACKAGES = {"python", "pip"}
PIP_ONLY = {"axe-playwright-python", "copydetect"}   # installed from PyPI by the pip section


def _split(req):
    """``"name[extra]>=1.0; marker"`` -> ``("name", ">=1.0")``: conda has no environment markers,
    so environment.yml lists a marked requirement unconditionally."""
    req = req.split(";")[0]
    name, spec = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", req.strip()).groups()
    return re.sub(r"\[.*\]", "", name).lower(), spec.replace(" ", "")


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if name not in NOT_IN_ENV:
            reqs += [r for r in extra if not r.startswith("handin")]
    return dict(_split(r) for r in reqs)


def conda_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out, pip_section = {}, None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
            continue
        name, spec = _split(dep)
        if name not in NOT_PACKAGES:
            out[CONDA_TO_PIP.get(name, name)] = spec
    return out, pip_section


def test_environment_yml_and_pyproject_agree():
    """Conda dependencies, and the few taken from PyPI in the pip section (PIP_ONLY),
    with the same bound, before the repository itself."""
    conda, pip_section = conda_requirements()
    from_pip = dict(_split(r) for r in pip_section[:-1])
    assert pip_section[-1] == "-e ." and set(from_pip) == PIP_ONLY and not set(conda) & PIP_ONLY
    assert {**conda, **from_pip} == pyproject_requirements()


def test_environment_uses_conda_forge_and_python_bound_matches():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f"python{requires}" in env["dependencies"]


def test_binder_start_puts_the_voila_template_on_jupyter_path():
    """repo2docker runs ./start before the server; the Binder link's ?template=handin needs
    handin's template on JUPYTER_PATH, after which any JUPYTER_PATH already set follows."""
    import os
    import subprocess

    env = dict(os.environ, JUPYTER_PATH="/elsewhere")
    out = subprocess.run([str(ROOT / "start"), "sh", "-c", 'echo "$JUPYTER_PATH"'],
                         capture_output=True, text=True, check=True, env=env).stdout.strip()
    first, rest = out.split(os.pathsep, 1)
    assert (pathlib.Path(first) / "voila" / "templates" / "handin" / "index.html.j2").is_file()
    assert rest == "/elsewhere"
