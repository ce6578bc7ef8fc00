"""Time-based resource states for Moto models, which are otherwise final at once.

States are computed lazily on read (no timer threads): a model holds an optional
timeline ``(first, then, at)`` and reports ``first`` until the emulated clock
passes ``at``.

The emulated clock counts real-world seconds and runs at the time scale times the
wall clock, so every latency is a real-world one divided by the time scale. A test
may change the clock's speed (``/_sim/time-scale``) to hold a resource in an
intermediate state for as long as it needs, however loaded the machine is, and
speed it up again to let it finish: a deadline already set moves with the clock.
"""

import threading
import time
from typing import Any

# (wall clock, emulated clock, scale) at the last change of speed: replaced whole, so a
# reader in another request thread never sees half of a change.
_clock: tuple[float, float, float] = (time.monotonic(), 0.0, 1.0)
_startup_scale = 1.0
_lock = threading.Lock()


def now() -> float:
    """The emulated clock, in real-world seconds."""
    wall0, emulated0, scale = _clock
    return emulated0 + (time.monotonic() - wall0) * scale


def after(real_seconds: float) -> float:
    """When, on the emulated clock, a latency of `real_seconds` started now ends."""
    return now() + real_seconds


def set_time_scale(scale: float) -> None:
    """The clock runs at `scale` from now on; what it has counted stays counted."""
    global _clock
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or scale <= 0:
        raise ValueError("time scale must be a number > 0")
    with _lock:
        _clock = (time.monotonic(), now(), float(scale))


def set_startup_time_scale(scale: float) -> None:
    """The process's own scale, which `/_sim/reset` returns to."""
    global _startup_scale
    set_time_scale(scale)
    _startup_scale = scale


def reset() -> None:
    set_time_scale(_startup_scale)


def time_scale() -> float:
    return _clock[2]


def timed_state(cls: type) -> None:
    """Turn ``cls.state`` into a property that follows a timeline.

    Moto assigns ``self.state = ...`` in constructors and delete methods; the
    setter keeps that working (a plain assignment cancels any timeline).
    """

    def get(self: Any) -> Any:
        timeline = self.__dict__.get("_sim_timeline")
        if timeline is not None:
            first, then, at = timeline
            if now() < at:
                return first
            self.__dict__["_sim_state"] = then
            self.__dict__.pop("_sim_timeline", None)
        return self.__dict__.get("_sim_state")

    def set(self: Any, value: Any) -> None:
        self.__dict__["_sim_state"] = value
        self.__dict__.pop("_sim_timeline", None)

    cls.state = property(get, set)  # type: ignore[attr-defined]


def transition(obj: Any, first: str, then: str, real_seconds: float) -> None:
    obj.state = first
    obj.__dict__["_sim_timeline"] = (first, then, after(real_seconds))
