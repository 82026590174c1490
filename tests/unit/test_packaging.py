"""The wheel carries every file the app reads at run time, and the tests need nothing
from outside the repository."""

from __future__ import annotations

import fnmatch
import re
import tomllib

from iro_desktop import paths
from tests.conftest import REPO_ROOT, RESOURCES


def _package_data_globs() -> list[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    return project["tool"]["setuptools"]["package-data"]["iro_desktop.resources"]


def _resource_files() -> list[str]:
    return sorted(p.relative_to(RESOURCES).as_posix() for p in RESOURCES.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py")


def test_every_resource_file_is_declared_as_package_data() -> None:
    globs = _package_data_globs()
    files = _resource_files()
    assert {"agendas/england.toml", "agendas/wales.toml", "demo/caseload.csv",
            "templates/default.docx"} <= set(files)
    missing = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert missing == [], f"not in the wheel (add to pyproject package-data): {missing}"


def test_resources_are_read_through_importlib_resources() -> None:
    for name in _resource_files():
        data = paths.resource_path(*name.split("/")).read_bytes()
        assert data == (RESOURCES / name).read_bytes()
    assert paths.resource_path("demo", "caseload.csv").read_text("utf-8-sig").startswith(
        "council_code,")


def test_tests_read_nothing_beside_the_repository() -> None:
    outside = re.compile(r"""parents?\b[^\n]*/\s*["']shared["']|["']/work/""")
    offenders = [p.relative_to(REPO_ROOT).as_posix()
                 for p in (REPO_ROOT / "tests").rglob("*.py")
                 if p.name != "test_packaging.py" and outside.search(p.read_text("utf-8"))]
    assert offenders == []
    assert (REPO_ROOT / "tests" / "data" / "hostile-text.json").is_file()


def test_desktop_entry_and_appstream_metadata_agree() -> None:
    import configparser
    import xml.etree.ElementTree as ET

    linux = REPO_ROOT / "packaging" / "linux"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(linux / "iro-desktop.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert desktop["Exec"].split()[0] in project["gui-scripts"]
    assert desktop["Icon"] == "iro-desktop"
    assert (RESOURCES / "icons" / "iro-desktop.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = ET.parse(next(linux.glob("*.metainfo.xml"))).getroot()
    assert meta.findtext("launchable") == "iro-desktop.desktop"
    assert meta.find("releases/release").get("version") == project["version"]  # type: ignore[union-attr]
    assert meta.findtext("project_license").lower() == project["license"].lower()  # type: ignore[union-attr]
