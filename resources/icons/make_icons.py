"""Render the app icon from ``iro_desktop/resources/icons/iro-desktop.svg``.

    python resources/icons/make_icons.py      (needs PySide6, and Pillow for .ico/.icns)

Writes, and both are committed:

* ``iro_desktop/resources/icons/iro-desktop.png`` (256 px): the window icon and the
  Linux icon (with the SVG for the scalable size);
* ``packaging/icons/iro-desktop.ico`` (16-256 px, Windows) and
  ``packaging/icons/iro-desktop.icns`` (16-1024 px, macOS) for the PyInstaller builds.

Not shipped in the wheel: only the PNG and SVG are read at run time.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SVG = ROOT / "iro_desktop" / "resources" / "icons" / "iro-desktop.svg"
PNG = ROOT / "iro_desktop" / "resources" / "icons" / "iro-desktop.png"
ICO = ROOT / "packaging" / "icons" / "iro-desktop.ico"
ICNS = ROOT / "packaging" / "icons" / "iro-desktop.icns"


def render(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image

    PNG.write_bytes(render(256))
    big = Image.open(io.BytesIO(render(1024)))
    ICO.parent.mkdir(parents=True, exist_ok=True)
    big.save(ICO, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    big.save(ICNS)
    for path in (PNG, ICO, ICNS):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
