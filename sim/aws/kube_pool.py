"""Client of the kube pool, which runs a real kube-apiserver per emulated cluster.

Protocol in sim/README.md ("Kubernetes control planes"). The pool answers at once
(it never waits for an API server to be ready), so calls are made while a Moto
request is being served; a short timeout keeps the SDK's own timeout (10 s) safe.
"""

import json
import re
import urllib.error
import urllib.request
from typing import Any

POOL_TIMEOUT_S = 2.0
KEY_PATTERN = re.compile(r"^[a-z0-9-]{1,100}$")

_url: str | None = None


class PoolError(Exception):
    """The pool could not be asked (unreachable, or an answer that is not the protocol's)."""


def configure(url: str | None) -> None:
    global _url
    _url = url.rstrip("/") if url else None


def configured() -> bool:
    return _url is not None


def eks_key(region: str, name: str) -> str:
    return f"eks-{region}-{name}"


def valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def _call(method: str, key: str, body: dict[str, Any] | None = None, sub: str = "") -> dict[str, Any] | None:
    """The pool's answer, or None for 404 / 204."""
    if _url is None:
        raise PoolError("no kube pool is configured (CELLBRIDGE_SIM_KUBE_URL is not set)")
    request = urllib.request.Request(
        f"{_url}/clusters/{key}{sub}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=POOL_TIMEOUT_S) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise PoolError(f"{method} {request.full_url} answered {error.code}: {error.read()[:300]!r}") from error
    except (OSError, ValueError) as error:  # refused, timed out, reset
        raise PoolError(f"{method} {request.full_url} failed: {error}") from error
    if not raw:
        return None
    try:
        answer = json.loads(raw)
    except ValueError as error:
        raise PoolError(f"{method} {request.full_url} answered something that is not JSON") from error
    if not isinstance(answer, dict) or answer.get("state") not in ("starting", "ready", "failed"):
        raise PoolError(f"{method} {request.full_url} answered an unexpected shape: {raw[:300]!r}")
    return answer


def put(key: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = _call("PUT", key, body)
    if answer is None:
        raise PoolError(f"PUT /clusters/{key} answered without a body")
    return answer


def get(key: str) -> dict[str, Any] | None:
    return _call("GET", key)


def delete(key: str) -> None:
    _call("DELETE", key)


def put_node_pool(key: str, name: str, body: dict[str, Any]) -> None:
    """Tells the pool a node group's nodes exist: `{count, instanceType, subnets: [{cidr, zone}]}`."""
    if _call("PUT", key, body, f"/node-pools/{name}") is None:
        raise PoolError(f"PUT /clusters/{key}/node-pools/{name}: the pool does not know {key}")


def delete_node_pool(key: str, name: str) -> None:
    _call("DELETE", key, None, f"/node-pools/{name}")
