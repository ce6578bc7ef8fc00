"""A counter of the EC2 changes the AWS view reads, so the view is rebuilt only after one.

The fabric asks for the view on every DescribeVpnConnections, SearchTransitGatewayRoutes
and GET /_sim/vpn-view, and building it costs time in proportion to the VPN connections
held: with many meshes on one stack, rebuilding it per request made the emulator's cost
grow with requests x meshes. The counter moves after (not before) every non-read action
whose name touches what the view reads, so a view built from a state that a change was
still writing is already out of date when the change returns. Anything else that changes
those resources (a reset) calls `bump` itself.
"""

from itertools import count
from typing import Any

from moto.core.responses import BaseResponse

# Actions on the resources the view reads: VPN connections and their tunnels, customer
# gateways, transit gateways and their attachments, VPCs and their CIDR blocks. Matching
# more than that costs only a rebuild.
WATCHED = ("Vpn", "CustomerGateway", "TransitGateway", "Vpc")
READS = ("Describe", "Get", "Search", "List", "Export")

_counter = count(1)
# next() on itertools.count is atomic under the GIL: request threads need no lock.
_version = 0


def version() -> int:
    return _version


def bump() -> None:
    global _version
    _version = next(_counter)


def watched(action: str) -> bool:
    return not action.startswith(READS) and any(word in action for word in WATCHED)


_orig_call_action = BaseResponse.call_action


def _call_action(self: Any) -> Any:
    try:
        return _orig_call_action(self)
    finally:
        if watched(self._get_action()):
            bump()


def install() -> None:
    BaseResponse.call_action = _call_action  # type: ignore[method-assign]
