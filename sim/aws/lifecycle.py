"""Time-based resource states for Moto models, which are otherwise final at once.

States are computed lazily on read (no timer threads): a model holds an optional
timeline ``(first, then, at)`` and reports ``first`` until the monotonic clock
passes ``at``. Every latency is a real-world one divided by the time scale.
"""

import time
from typing import Any

_scale = 1.0


def set_time_scale(scale: float) -> None:
    global _scale
    if scale <= 0:
        raise ValueError("time scale must be > 0")
    _scale = scale


def scaled(real_seconds: float) -> float:
    return real_seconds / _scale


def timed_state(cls: type) -> None:
    """Turn ``cls.state`` into a property that follows a timeline.

    Moto assigns ``self.state = ...`` in constructors and delete methods; the
    setter keeps that working (a plain assignment cancels any timeline).
    """

    def get(self: Any) -> Any:
        timeline = self.__dict__.get("_sim_timeline")
        if timeline is not None:
            first, then, at = timeline
            if time.monotonic() < at:
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
    obj.__dict__["_sim_timeline"] = (first, then, time.monotonic() + scaled(real_seconds))
