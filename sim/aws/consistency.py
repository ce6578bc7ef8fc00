"""The eventual consistency AWS documents and Moto lacks (sim/README.md "Real-cloud behaviours").

- IAM: a role just created is not yet assumable by other services. EKS answers
  CreateCluster / CreateNodegroup naming such a role with the same
  InvalidParameterException as for a role it can never assume (sim/aws/eks.py).
- EC2: a VPC, Transit Gateway or VPN connection just created is missing from
  DescribeVpcs / DescribeTransitGateways / DescribeVpnConnections answers for a while.
  Only filtered listings miss it; a describe naming its ID finds it (real EC2 may also
  answer NotFound then, which the emulator does not play).

Both are on by default with real-world delays divided by the time scale; a process's
defaults come from `--consistency '{"ec2VisibilitySeconds": 0}'`, and `/_sim/consistency`
changes them until the next `/_sim/reset`.
"""

import inspect
import threading
from collections.abc import Callable
from typing import Any

from moto.ec2.models import EC2Backend
from moto.ec2.responses.transit_gateways import TransitGateways
from moto.ec2.responses.vpcs import VPCs
from moto.ec2.responses.vpn_connections import VPNConnections
from moto.iam.models import IAMBackend

import lifecycle

DEFAULTS = {"iamPropagationSeconds": 10.0, "ec2VisibilitySeconds": 3.0}

# What /_sim/reset returns to: DEFAULTS, or the process's own (`--consistency`).
_defaults = dict(DEFAULTS)
_settings = dict(DEFAULTS)
_serving_describe = threading.local()


def _validated(spec: dict[str, Any]) -> dict[str, float]:
    unknown = set(spec) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    for key, value in spec.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{key} must be a number of real-world seconds >= 0")
    return {key: float(value) for key, value in spec.items()}


def configure(spec: dict[str, Any]) -> dict[str, float]:
    _settings.update(_validated(spec))
    return settings()


def set_defaults(spec: dict[str, Any]) -> None:
    """This process's defaults (a test of something else may turn a behaviour off for good)."""
    _defaults.update(_validated(spec))
    reset()


def settings() -> dict[str, float]:
    return dict(_settings)


def reset() -> None:
    _settings.clear()
    _settings.update(_defaults)


def _stamp(obj: Any, setting: str) -> Any:
    obj.__dict__["_sim_consistent_at"] = lifecycle.after(_settings[setting])
    return obj


def consistent(obj: Any) -> bool:
    return lifecycle.now() >= obj.__dict__.get("_sim_consistent_at", 0.0)


def role_assumable(role: Any) -> bool:
    """Whether the role has propagated to the services that assume it."""
    return consistent(role)


def _stamping(create: Callable[..., Any], setting: str) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return _stamp(create(*args, **kwargs), setting)

    return wrapped


def _listing(describe: Callable[..., Any], ids_param: str) -> Callable[..., Any]:
    """A backend describe that, while a Describe* request is served, leaves out what is not visible yet."""

    signature = inspect.signature(describe)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        found = describe(*args, **kwargs)
        if not getattr(_serving_describe, "active", False) or signature.bind(*args, **kwargs).arguments.get(ids_param):
            return found
        return [obj for obj in found if consistent(obj)]

    return wrapped


def _serving(handler: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(self: Any) -> Any:
        _serving_describe.active = True
        try:
            return handler(self)
        finally:
            _serving_describe.active = False

    return wrapped


def install() -> None:
    """After vpn.install(), whose DescribeVpnConnections handler this wraps."""
    IAMBackend.create_role = _stamping(IAMBackend.create_role, "iamPropagationSeconds")  # type: ignore[method-assign]
    for create in ("create_vpc", "create_transit_gateway", "create_vpn_connection"):
        setattr(EC2Backend, create, _stamping(getattr(EC2Backend, create), "ec2VisibilitySeconds"))
    EC2Backend.describe_vpcs = _listing(EC2Backend.describe_vpcs, "vpc_ids")  # type: ignore[method-assign]
    EC2Backend.describe_vpn_connections = _listing(EC2Backend.describe_vpn_connections, "vpn_connection_ids")  # type: ignore[method-assign]
    EC2Backend.describe_transit_gateways = _listing(EC2Backend.describe_transit_gateways, "transit_gateway_ids")  # type: ignore[method-assign]
    VPCs.describe_vpcs = _serving(VPCs.describe_vpcs)  # type: ignore[method-assign]
    TransitGateways.describe_transit_gateways = _serving(TransitGateways.describe_transit_gateways)  # type: ignore[method-assign]
    VPNConnections.describe_vpn_connections = _serving(VPNConnections.describe_vpn_connections)  # type: ignore[method-assign]
