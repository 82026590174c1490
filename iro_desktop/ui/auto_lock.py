"""Auto-lock: after idle time, on screen lock, on suspend, and on resume after a long sleep.

Idle time is measured on both the monotonic clock (which may stop while the
laptop sleeps) and the wall clock (which does not), so a laptop closed for an
hour locks at the first tick after it wakes, whatever the OS reports.
Where the OS tells, screen lock and suspend lock at once:
Linux through D-Bus (ScreenSaver ``ActiveChanged``, logind ``Lock`` and
``PrepareForSleep``), Windows through session-change and power messages.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractNativeEventFilter, QEvent, QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)

_ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.ShortcutOverride,
})
TICK_MS = 2000


class AutoLock(QObject):
    lock_requested = Signal(str)  # reason: "idle", "resume", "screen-lock", "suspend"

    def __init__(self, idle_minutes: int, parent: QObject | None = None, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.idle_seconds = idle_minutes * 60.0
        self._monotonic, self._wall = monotonic, wall
        self._active = False
        self.touch()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.check)
        self._native_filter: QAbstractNativeEventFilter | None = None

    # ---- control -------------------------------------------------------------------

    def set_idle_minutes(self, minutes: int) -> None:
        self.idle_seconds = minutes * 60.0

    def start(self) -> None:
        """Begin watching (call when the vault unlocks)."""
        self.touch()
        self._active = True
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (the vault is locked)."""
        self._active = False
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._active

    def touch(self) -> None:
        self._last_activity_mono = self._monotonic()
        self._last_activity_wall = self._wall()

    # ---- detection -----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._active and event.type() in _ACTIVITY_EVENTS:
            # A tick may be late after sleep: check before counting this as activity.
            if not self.check():
                self.touch()
        return False

    @Slot()
    def check(self) -> bool:
        """Lock if idle too long on either clock. Returns True if a lock was requested."""
        if not self._active:
            return False
        idle_mono = self._monotonic() - self._last_activity_mono
        idle_wall = self._wall() - self._last_activity_wall
        if idle_mono >= self.idle_seconds or idle_wall >= self.idle_seconds:
            reason = "idle" if idle_mono >= self.idle_seconds else "resume"
            self._request(reason)
            return True
        return False

    def os_event(self, reason: str) -> None:
        """The OS reported a screen lock or suspend."""
        if self._active:
            self._request(reason)

    def _request(self, reason: str) -> None:
        log.info("autolock.triggered reason=%s", reason)
        self.stop()
        self.lock_requested.emit(reason)

    # ---- operating-system signals ----------------------------------------------------

    def connect_os_signals(self, window_id: int | None = None) -> list[str]:
        """Subscribe to what this OS can tell; returns the sources connected."""
        if sys.platform.startswith("linux"):
            return self._connect_dbus()
        if sys.platform == "win32" and window_id is not None:
            return self._connect_windows(window_id)
        return []

    def _connect_dbus(self) -> list[str]:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return []
        connected: list[str] = []
        session, system = QDBusConnection.sessionBus(), QDBusConnection.systemBus()
        subscriptions = (
            (session, "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
             "org.freedesktop.ScreenSaver", "ActiveChanged", "_on_screensaver_active"),
            (session, "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver",
             "org.gnome.ScreenSaver", "ActiveChanged", "_on_screensaver_active"),
            (system, "org.freedesktop.login1", "/org/freedesktop/login1",
             "org.freedesktop.login1.Manager", "PrepareForSleep", "_on_prepare_for_sleep"),
            (system, "org.freedesktop.login1", "",
             "org.freedesktop.login1.Session", "Lock", "_on_session_lock"),
        )
        for bus, service, path, interface, name, slot in subscriptions:
            # The slot as PySide6 takes it at run time, a str ("1" + its name): its type
            # stubs say bytes, which it refuses.
            connect: Callable[..., bool] = bus.connect
            if bus.isConnected() and connect(service, path, interface, name, self,
                                             f"1{slot}"):
                connected.append(f"{interface}.{name}")
        return connected

    @Slot(bool)
    def _on_screensaver_active(self, active: bool) -> None:
        if active:
            self.os_event("screen-lock")

    @Slot(bool)
    def _on_prepare_for_sleep(self, sleeping: bool) -> None:
        if sleeping:
            self.os_event("suspend")

    @Slot()
    def _on_session_lock(self) -> None:
        self.os_event("screen-lock")

    def _connect_windows(self, window_id: int) -> list[str]:  # pragma: no cover - Windows only
        import ctypes

        try:
            windll = getattr(ctypes, "windll")  # noqa: B009 - on Windows only
            windll.wtsapi32.WTSRegisterSessionNotification(window_id, 0)
        except (AttributeError, OSError):
            return []
        owner = self

        class _Filter(QAbstractNativeEventFilter):
            def nativeEventFilter(self, event_type, message):  # type: ignore[no-untyped-def]  # noqa: N802
                from ctypes import wintypes

                msg = wintypes.MSG.from_address(int(message))
                if msg.message == 0x02B1 and msg.wParam in (0x7, 0x1):  # session lock/disconnect
                    owner.os_event("screen-lock")
                elif msg.message == 0x0218 and msg.wParam == 0x4:  # PBT_APMSUSPEND
                    owner.os_event("suspend")
                return False, 0

        from PySide6.QtCore import QCoreApplication

        self._native_filter = _Filter()
        app = QCoreApplication.instance()
        if app is None:
            return []
        app.installNativeEventFilter(self._native_filter)
        return ["WTSSessionChange", "PowerBroadcast"]
