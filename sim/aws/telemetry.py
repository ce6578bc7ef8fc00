"""VgwTelemetry, asked of the tunnel fabric (served by the Azure emulator).

Only the fabric can tell whether the Azure end matches a tunnel, so every
DescribeVpnConnections posts the AWS view to `{fabric}/aws-telemetry`. Any
failure (no fabric, timeout, bad TLS, bad answer) reports the tunnels DOWN,
which is what AWS shows when the far end is silent.
"""

import json
import ssl
import sys
import threading
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

FABRIC_TIMEOUT_S = 2.0
DOWN = ("DOWN", "IPSEC IS DOWN", 0)

_fabric_url: str | None = None
_ssl_context: ssl.SSLContext | None = None
_lock = threading.Lock()
# (vpn id, outside ip) -> (status, message, accepted routes, last status change)
_last: dict[tuple[str, str], tuple[str, str, int, datetime]] = {}
# (vpn id, outside ip) -> the prefixes BGP accepted over that tunnel while it is UP
_accepted: dict[tuple[str, str], list[str]] = {}
_last_error: str | None = None


def configure(fabric_url: str | None, fabric_ca: str | None) -> None:
    global _fabric_url, _ssl_context
    _fabric_url = fabric_url.rstrip("/") if fabric_url else None
    _ssl_context = ssl.create_default_context(cafile=fabric_ca) if fabric_ca else None


def reset() -> None:
    with _lock:
        _last.clear()
        _accepted.clear()


def _ask_fabric(view: bytes) -> dict[str, Any]:
    global _last_error
    request = urllib.request.Request(
        f"{_fabric_url}/aws-telemetry",
        data=view,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=FABRIC_TIMEOUT_S, context=_ssl_context) as response:
            tunnels = json.load(response)["tunnels"]
        _last_error = None
        return tunnels if isinstance(tunnels, dict) else {}
    except Exception as error:  # noqa: BLE001 - any failure means "tunnels down"
        message = f"{type(error).__name__}: {error}"
        if message != _last_error:  # log once per distinct failure, describes are polled
            print(f"[aws-sim] fabric unreachable, tunnels reported DOWN: {message}", file=sys.stderr, flush=True)
        _last_error = message
        return {}


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def refresh(vpns: list[Any], view: Callable[[], bytes]) -> None:
    """Asks the fabric about the tunnels of `vpns`; `view` gives the AWS view's JSON."""
    answer: dict[str, Any] = {}
    if _fabric_url and any(v.state == "available" for v in vpns):
        answer = _ask_fabric(view())
    now = datetime.now(timezone.utc)
    with _lock:
        for vpn in vpns:
            for tunnel in (vpn.options or {}).get("TunnelOptions", []):
                ip = tunnel["OutsideIpAddress"]
                entry = answer.get(ip) if vpn.state == "available" else None
                if isinstance(entry, dict) and entry.get("status") in ("UP", "DOWN"):
                    status = (entry["status"], str(entry.get("statusMessage", "")), int(entry.get("acceptedRouteCount", 0)))
                    changed = _parse_time(entry.get("lastStatusChange"))
                    prefixes = entry.get("acceptedPrefixes")
                    accepted = [p for p in prefixes if isinstance(p, str)] if status[0] == "UP" and isinstance(prefixes, list) else []
                else:
                    status, changed, accepted = DOWN, None, []
                previous = _last.get((vpn.id, ip))
                if changed is None:
                    changed = previous[3] if previous and previous[0] == status[0] else now
                _last[(vpn.id, ip)] = (*status, changed)
                _accepted[(vpn.id, ip)] = accepted


def accepted_prefixes(vpn: Any) -> list[str]:
    """What the VPN connection's BGP sessions accepted from the far end, over the tunnels that are UP."""
    with _lock:
        return sorted({
            prefix
            for tunnel in (vpn.options or {}).get("TunnelOptions", [])
            for prefix in _accepted.get((vpn.id, tunnel["OutsideIpAddress"]), [])
        })


def for_vpn(vpn: Any) -> list[dict[str, Any]]:
    now = datetime.now(timezone.utc)
    with _lock:
        rows = []
        for tunnel in (vpn.options or {}).get("TunnelOptions", []):
            ip = tunnel["OutsideIpAddress"]
            status, message, routes, changed = _last.get((vpn.id, ip), (*DOWN, now))
            rows.append({
                "OutsideIpAddress": ip,
                "Status": status,
                "StatusMessage": message,
                "AcceptedRouteCount": routes,
                "LastStatusChange": changed,
            })
        return rows
