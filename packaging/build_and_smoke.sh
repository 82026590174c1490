#!/usr/bin/env bash
# Build what users install and run it as they would, from outside the source tree.
#
#   bash packaging/build_and_smoke.sh [metadata] [wheel] [pyinstaller]   (default: all three)
#
# metadata     validate the AppStream metainfo and the .desktop file
#              (appstreamcli from Debian's "appstream", desktop-file-validate from
#              "desktop-file-utils"; .ci/run installs both)
# wheel        build the wheel, install it in a new virtualenv, run packaging/smoke_run.py
# pyinstaller  build packaging/iro_desktop.spec (one folder), run the same smoke run on
#              the console program, and check the windowed one refuses commands and
#              shows the demo dashboard
# Uses .venv (made by the README's test command) to build; PYTHON overrides it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/iro-build-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(metadata wheel pyinstaller)
export PIP_DISABLE_PIP_VERSION_CHECK=1

for step in "${steps[@]}"; do
  start=$SECONDS
  echo "== $step"
  case $step in
    metadata)
      appstreamcli validate --no-net packaging/linux/*.metainfo.xml
      desktop-file-validate packaging/linux/iro-desktop.desktop
      ;;
    wheel)
      "$PY" -m pip wheel -q --no-deps -w "$WORK/wheel" .
      wheel=$(ls "$WORK"/wheel/iro_desktop-*.whl)
      "$PY" - "$wheel" <<'PYEOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["iro_desktop/resources/agendas/england.toml", "iro_desktop/resources/demo/caseload.csv",
        "iro_desktop/resources/templates/default.docx", "iro_desktop/resources/icons/iro-desktop.png",
        "iro_desktop/storage/migrations/versions/0001_initial.py"]
missing = [n for n in need if n not in names]
assert not missing, f"missing from the wheel: {missing}"
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE in the wheel"
assert not [n for n in names if n.startswith("tests/")], "tests/ in the wheel"
print(f"wheel: {len(names)} files, resources and LICENSE present")
PYEOF
      python3 -m venv "$WORK/venv"
      "$WORK/venv/bin/pip" install -q "$wheel"
      python3 packaging/smoke_run.py "$WORK/venv/bin/iro-desktop"
      ;;
    pyinstaller)
      "$PY" -m pip install -q "pyinstaller>=6.10"
      "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$WORK/dist" \
        --workpath "$WORK/build" packaging/iro_desktop.spec
      built="$WORK/dist/iro-desktop"
      du -sh "$built"
      python3 packaging/smoke_run.py "$built/iro-desktop"
      code=0
      IRO_DESKTOP_DATA_DIR="$WORK/gui-data" "$built/iro-desktop-gui" --vault "$WORK/gui-vault" \
        init </dev/null >/dev/null 2>&1 || code=$?
      if [ "$code" != 2 ] || [ -e "$WORK/gui-vault" ]; then
        echo "FAILED: iro-desktop-gui ran a command (exit $code)" >&2; exit 1
      fi
      IRO_DESKTOP_DATA_DIR="$WORK/gui-data" QT_QPA_PLATFORM=offscreen \
        "$built/iro-desktop-gui" --demo --exit-on-show </dev/null
      echo "iro-desktop-gui: refuses commands (exit 2), shows the demo dashboard"
      ;;
    *) echo "unknown step: $step (metadata, wheel, pyinstaller)" >&2; exit 2 ;;
  esac
  echo "== $step done in $((SECONDS - start)) s"
done
