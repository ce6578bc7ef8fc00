"""Customer gateways and site-to-site VPN connections on a transit gateway.

Moto ignores `Options` of CreateVpnConnection, returns no tunnel options or
telemetry and makes everything final at once. This module stores validated
tunnel options the way DescribeVpnConnections returns them, gives each tunnel
a distinct outside IP, runs the AWS latencies and builds the AWS view that the
tunnel fabric joins with the Azure side (sim/README.md).
"""

import ipaddress
import json
import re
import secrets
import string
from itertools import count
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import EC2ClientError, InvalidCustomerGatewayIdError, InvalidVpnConnectionIdError
from moto.ec2.models.customer_gateways import CustomerGatewayBackend
from moto.ec2.models.vpn_connections import VPNConnection
from moto.ec2.responses.vpn_connections import VPNConnections as VpnResponses
from moto.ec2.utils import add_tag_specification

import changes
import lifecycle
import telemetry
from common import ec2_backends_all, incorrect_state, invalid_value, tag_filtered
from lifecycle import timed_state, transition
from transit_gateway import get_available_tgw

VPN_CREATE_S, VPN_DELETE_S = 300, 120
GONE = ("deleting", "deleted")

# --- customer gateways --------------------------------------------------------

_orig_create_cgw = CustomerGatewayBackend.create_customer_gateway
_orig_describe_cgws = CustomerGatewayBackend.describe_customer_gateways


def create_customer_gateway(self: Any, gateway_type: str, ip_address: str, bgp_asn: Any, tags: Any = None) -> Any:
    # AWS answers a repeated create with the existing gateway: that is what makes it safe to retry.
    gateway_type = gateway_type or "ipsec.1"
    bgp_asn = str(bgp_asn if bgp_asn is not None else 65000)
    # A copy: other request threads (werkzeug serves each in its own) add to these dicts meanwhile.
    for cgw in list(self.customer_gateways.values()):
        if (cgw.type, cgw.ip_address, str(cgw.bgp_asn)) == (gateway_type, ip_address, bgp_asn) and cgw.state not in GONE:
            return cgw
    return _orig_create_cgw(self, gateway_type, ip_address, bgp_asn, tags)


def delete_customer_gateway(self: Any, customer_gateway_id: str) -> None:
    cgw = self.get_customer_gateway(customer_gateway_id)
    users = [
        v.id for v in list(self.vpn_connections.values())
        if v.customer_gateway_id == cgw.id and v.state != "deleted"
    ]
    if users:
        raise incorrect_state(f"The customer gateway {cgw.id} is in use by {', '.join(users)}.")
    cgw.state = "deleted"


def describe_customer_gateways(self: Any, filters: Any = None, customer_gateway_ids: Any = None) -> Any:
    found = _orig_describe_cgws(self, filters, customer_gateway_ids)
    states = (filters or {}).get("state")
    if states:
        found = [c for c in found if c.state in states]
    return tag_filtered(filters, found)


# --- tunnel options -----------------------------------------------------------

ENCRYPTION = {"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"}
INTEGRITY = {"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"}
P1_DH = {2, *range(14, 25)}
P2_DH = {2, 5, *range(14, 25)}
IKE = {"ikev1", "ikev2"}
PSK_RE = re.compile(r"^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$")
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")
RESERVED = {ipaddress.ip_network(f"169.254.{i}.0/30") for i in range(6)} | {
    ipaddress.ip_network("169.254.169.252/30")
}
# request list member -> (response member, allowed values, value type)
ALGORITHM_LISTS = {
    "Phase1EncryptionAlgorithms": ("Phase1EncryptionAlgorithms", ENCRYPTION, str),
    "Phase2EncryptionAlgorithms": ("Phase2EncryptionAlgorithms", ENCRYPTION, str),
    "Phase1IntegrityAlgorithms": ("Phase1IntegrityAlgorithms", INTEGRITY, str),
    "Phase2IntegrityAlgorithms": ("Phase2IntegrityAlgorithms", INTEGRITY, str),
    "Phase1DHGroupNumbers": ("Phase1DHGroupNumbers", P1_DH, int),
    "Phase2DHGroupNumbers": ("Phase2DHGroupNumbers", P2_DH, int),
    "IKEVersions": ("IkeVersions", IKE, str),
}
# request member -> (response member, default, allowed range or set)
SCALARS = {
    "Phase1LifetimeSeconds": ("Phase1LifetimeSeconds", 28800, range(900, 28801)),
    "Phase2LifetimeSeconds": ("Phase2LifetimeSeconds", 3600, range(900, 3601)),
    "RekeyMarginTimeSeconds": ("RekeyMarginTimeSeconds", 270, range(60, 1801)),
    "RekeyFuzzPercentage": ("RekeyFuzzPercentage", 100, range(0, 101)),
    "ReplayWindowSize": ("ReplayWindowSize", 1024, range(64, 2049)),
    "DPDTimeoutSeconds": ("DpdTimeoutSeconds", 30, range(30, 2**31)),
    "DPDTimeoutAction": ("DpdTimeoutAction", "clear", {"clear", "none", "restart"}),
    "StartupAction": ("StartupAction", "add", {"add", "start"}),
}


def _generated_psk() -> str:
    alphabet = string.ascii_letters + string.digits + "._"
    return secrets.choice(string.ascii_letters) + "".join(secrets.choice(alphabet) for _ in range(31))


def _inside_cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise invalid_value(f"The tunnel inside CIDR {value} is not a valid CIDR block.")
    if net.version != 4 or net.prefixlen != 30 or not net.subnet_of(LINK_LOCAL):
        raise invalid_value(f"The tunnel inside CIDR {value} must be a /30 CIDR block in the 169.254.0.0/16 range.")
    if net in RESERVED:
        raise invalid_value(f"The tunnel inside CIDR {value} is reserved and cannot be used.")
    return str(net)


def _random_inside_cidr(taken: set[str]) -> str:
    while True:
        net = ipaddress.ip_network((int(LINK_LOCAL.network_address) + 4 * secrets.randbelow(2**14), 30))
        if net not in RESERVED and str(net) not in taken:
            return str(net)


def _tunnel(spec: dict[str, Any]) -> dict[str, Any]:
    """One validated tunnel, keyed like the response's `TunnelOption`."""
    tunnel: dict[str, Any] = {}
    if spec.get("TunnelInsideCidr") is not None:
        tunnel["TunnelInsideCidr"] = _inside_cidr(spec["TunnelInsideCidr"])
    psk = spec.get("PreSharedKey")
    tunnel["PreSharedKey"] = _checked_psk(psk) if psk is not None else _generated_psk()
    for name, (out, default, allowed) in SCALARS.items():
        value = spec.get(name, default)
        if value not in allowed:
            raise invalid_value(f"The value {value} for {name} is not valid.")
        tunnel[out] = value
    if tunnel["Phase2LifetimeSeconds"] >= tunnel["Phase1LifetimeSeconds"]:
        raise invalid_value("Phase2LifetimeSeconds must be less than Phase1LifetimeSeconds.")
    if tunnel["RekeyMarginTimeSeconds"] > tunnel["Phase2LifetimeSeconds"] // 2:
        raise invalid_value("RekeyMarginTimeSeconds must be at most half of Phase2LifetimeSeconds.")
    for name, (out, allowed, kind) in ALGORITHM_LISTS.items():
        values = [kind(item["Value"]) for item in spec.get(name) or []]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise invalid_value(f"The value {bad[0]} for {name} is not valid.")
        # Empty means "all values allowed", as in AWS.
        tunnel[out] = [{"Value": v} for v in values]
    tunnel["EnableTunnelLifecycleControl"] = bool(spec.get("EnableTunnelLifecycleControl", False))
    tunnel["LogOptions"] = {"CloudWatchLogOptions": {"LogEnabled": False}}
    return tunnel


def vpn_options(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated `Options`, keyed like the response's `VpnConnectionOptions` (no outside IPs yet)."""
    specs = list(raw.get("TunnelOptions") or [])
    if len(specs) > 2:
        raise invalid_value("A VPN connection has exactly two tunnels; at most 2 TunnelOptions are allowed.")
    tunnels = [_tunnel(s) for s in specs + [{}] * (2 - len(specs))]
    given = [t["TunnelInsideCidr"] for t in tunnels if "TunnelInsideCidr" in t]
    if len(given) != len(set(given)):
        raise invalid_value(f"The tunnel inside CIDR {given[0]} is used by both tunnels; they must be distinct.")
    for t in tunnels:
        t.setdefault("TunnelInsideCidr", _random_inside_cidr(set(given)))
        given.append(t["TunnelInsideCidr"])
    version = raw.get("TunnelInsideIpVersion") or "ipv4"
    if version != "ipv4":
        # AWS accepts ipv6 (with /126 inside CIDRs); the emulator models IPv4 tunnels only.
        raise EC2ClientError("UnsupportedOperation", f"TunnelInsideIpVersion {version} is not supported by this emulator.")
    return {
        "EnableAcceleration": bool(raw.get("EnableAcceleration", False)),
        "StaticRoutesOnly": bool(raw.get("StaticRoutesOnly", False)),
        "LocalIpv4NetworkCidr": raw.get("LocalIpv4NetworkCidr") or "0.0.0.0/0",
        "RemoteIpv4NetworkCidr": raw.get("RemoteIpv4NetworkCidr") or "0.0.0.0/0",
        "OutsideIpAddressType": raw.get("OutsideIpAddressType") or "PublicIpv4",
        "TunnelInsideIpVersion": version,
        "TunnelBandwidth": raw.get("TunnelBandwidth") or "standard",
        "TunnelOptions": tunnels,
    }


# Documentation ranges (RFC 5737): tunnel 1 draws from the first, tunnel 2 from the second.
OUTSIDE_POOLS = [
    [f"198.51.100.{i}" for i in range(1, 255)],
    [f"203.0.113.{i}" for i in range(1, 255)],
]
_next_outside = [count(), count()]


def _outside_ip(pool: int) -> str:
    in_use = {
        t["OutsideIpAddress"]
        for backend in ec2_backends_all()
        for v in list(backend.vpn_connections.values())
        if v.state != "deleted" and v.options
        for t in v.options["TunnelOptions"]
    }
    addresses = OUTSIDE_POOLS[pool]
    for _ in addresses:
        candidate = addresses[next(_next_outside[pool]) % len(addresses)]
        if candidate not in in_use:
            return candidate
    raise EC2ClientError("VpnConnectionLimitExceeded", "No outside IP address is left for a new tunnel.")


def reset_outside_ips() -> None:
    _next_outside[:] = [count(), count()]


# --- VPN connections ----------------------------------------------------------


def _customer_gateway_configuration(self: Any) -> str | None:
    """Device configuration built from the real tunnels (Moto's is a fixed template)."""
    if self.state not in ("pending", "available") or not self.options:
        return None
    cgw = self.ec2_backend.customer_gateways.get(self.customer_gateway_id)
    tgw = self.ec2_backend.transit_gateways.get(self.transit_gateway_id or "")
    aws_asn = tgw.options["AmazonSideAsn"] if tgw else 64512
    parts = [f'<vpn_connection id="{self.id}"><customer_gateway_id>{self.customer_gateway_id}</customer_gateway_id>'
             f"<vpn_connection_type>{self.type}</vpn_connection_type>"]
    for t in self.options["TunnelOptions"]:
        net = ipaddress.ip_network(t["TunnelInsideCidr"])
        parts.append(
            "<ipsec_tunnel>"
            f"<customer_gateway><tunnel_outside_address><ip_address>{cgw.ip_address if cgw else ''}</ip_address></tunnel_outside_address>"
            f"<tunnel_inside_address><ip_address>{net[2]}</ip_address><network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr></tunnel_inside_address>"
            f"<bgp><asn>{cgw.bgp_asn if cgw else ''}</asn><hold_time>30</hold_time></bgp></customer_gateway>"
            f"<vpn_gateway><tunnel_outside_address><ip_address>{t['OutsideIpAddress']}</ip_address></tunnel_outside_address>"
            f"<tunnel_inside_address><ip_address>{net[1]}</ip_address><network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr></tunnel_inside_address>"
            f"<bgp><asn>{aws_asn}</asn><hold_time>30</hold_time></bgp></vpn_gateway>"
            f"<ike><pre_shared_key>{t['PreSharedKey']}</pre_shared_key><lifetime>{t['Phase1LifetimeSeconds']}</lifetime></ike>"
            f"<ipsec><lifetime>{t['Phase2LifetimeSeconds']}</lifetime></ipsec>"
            "</ipsec_tunnel>"
        )
    parts.append("</vpn_connection>")
    return "".join(parts)


def _vgw_telemetry(self: Any) -> list[dict[str, Any]]:
    return telemetry.for_vpn(self)


_VPN_FILTER_ATTRS = {"vpn-connection-id": "id", "type": "type", "category": "category"}
_orig_vpn_filter_value = VPNConnection.get_filter_value


def _vpn_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
    if filter_name in _VPN_FILTER_ATTRS:
        return getattr(self, _VPN_FILTER_ATTRS[filter_name])
    return _orig_vpn_filter_value(self, filter_name, method_name)


def create_vpn_connection_response(self: Any) -> ActionResult:
    backend = self.ec2_backend
    cgw_id = self._get_param("CustomerGatewayId")
    tgw_id = self._get_param("TransitGatewayId")
    cgw = backend.get_customer_gateway(cgw_id)
    if cgw.state in GONE:
        raise InvalidCustomerGatewayIdError(cgw_id)
    if tgw_id:
        get_available_tgw(backend, tgw_id)
    options = vpn_options(self._get_param("Options") or {})
    for pool, tunnel in enumerate(options["TunnelOptions"]):
        tunnel["OutsideIpAddress"] = _outside_ip(pool)
    vpn = backend.create_vpn_connection(
        self._get_param("Type"),
        cgw_id,
        vpn_gateway_id=self._get_param("VpnGatewayId"),
        transit_gateway_id=tgw_id,
        tags=add_tag_specification(self._get_param("TagSpecifications", [])),
    )
    vpn.options = options
    vpn.category = "VPN"
    transition(vpn, "pending", "available", VPN_CREATE_S)
    if tgw_id:
        attachment = backend.create_transit_gateway_vpn_attachment(vpn_id=vpn.id, transit_gateway_id=tgw_id)
        transition(attachment, "pending", "available", VPN_CREATE_S)
    return ActionResult({"VpnConnection": vpn})


def delete_vpn_connection_response(self: Any) -> EmptyResult:
    backend = self.ec2_backend
    vpn_id = self._get_param("VpnConnectionId")
    vpn = backend.vpn_connections.get(vpn_id)
    if vpn is None:
        raise InvalidVpnConnectionIdError(vpn_id)
    if vpn.state not in GONE:
        # The VPN's transit gateway attachment goes away together with it.
        transition(vpn, "deleting", "deleted", VPN_DELETE_S)
        for attachment in list(backend.transit_gateway_attachments.values()):
            if attachment.resource_id == vpn.id and attachment.state not in GONE:
                transition(attachment, "deleting", "deleted", VPN_DELETE_S)
    return EmptyResult()


def _checked_psk(psk: str) -> str:
    if not PSK_RE.match(psk):
        raise invalid_value(
            "The pre-shared key must be 8-64 characters of letters, numbers, periods (.) "
            "and underscores (_), and cannot start with zero (0)."
        )
    return psk


# What ModifyVpnTunnelOptions may change here: the key and the IPsec policy (the options
# cellbridge pins and a person can change by hand) and the inside CIDR (a live mesh's new
# tunnel plan). Logging and the rest are refused.
MODIFIABLE = {"PreSharedKey", "TunnelInsideCidr", *SCALARS, *ALGORITHM_LISTS}


def modify_vpn_tunnel_options_response(self: Any) -> ActionResult:
    """ModifyVpnTunnelOptions for one tunnel's key, IPsec policy and inside CIDR, validated as a create's are.

    AWS keeps the connection `available` and renegotiates the one tunnel; here the new options
    take effect at once, so the fabric sees the two ends differ on its next look. Members left
    out keep their value; an empty algorithm list means "all values allowed", as in AWS.
    """
    backend = self.ec2_backend
    vpn_id = self._get_param("VpnConnectionId")
    outside_ip = self._get_param("VpnTunnelOutsideIpAddress")
    vpn = backend.vpn_connections.get(vpn_id)
    if vpn is None or vpn.state in GONE:
        raise InvalidVpnConnectionIdError(vpn_id)
    tunnel = next((t for t in vpn.options["TunnelOptions"] if t.get("OutsideIpAddress") == outside_ip), None)
    if tunnel is None:
        raise invalid_value(f"The tunnel outside IP address {outside_ip} does not belong to {vpn_id}.")
    requested = self._get_param("TunnelOptions") or {}
    others = sorted(k for k in requested if k not in MODIFIABLE)
    if others:
        raise invalid_value(f"Only the pre-shared key, the IPsec policy and the inside CIDR can be modified on the proving ground, not {', '.join(others)}.")
    changed = dict(tunnel)
    if requested.get("TunnelInsideCidr") is not None:
        cidr = _inside_cidr(requested["TunnelInsideCidr"])
        if any(t is not tunnel and t["TunnelInsideCidr"] == cidr for t in vpn.options["TunnelOptions"]):
            raise invalid_value(f"The tunnel inside CIDR {cidr} is used by the other tunnel of {vpn_id}; they must be distinct.")
        changed["TunnelInsideCidr"] = cidr
    if requested.get("PreSharedKey") is not None:
        changed["PreSharedKey"] = _checked_psk(requested["PreSharedKey"])
    for name, (out, _default, allowed) in SCALARS.items():
        if name in requested:
            if requested[name] not in allowed:
                raise invalid_value(f"The value {requested[name]} for {name} is not valid.")
            changed[out] = requested[name]
    for name, (out, allowed, kind) in ALGORITHM_LISTS.items():
        if name in requested:
            values = [kind(item["Value"]) for item in requested[name] or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise invalid_value(f"The value {bad[0]} for {name} is not valid.")
            changed[out] = [{"Value": v} for v in values]
    if changed["Phase2LifetimeSeconds"] >= changed["Phase1LifetimeSeconds"]:
        raise invalid_value("Phase2LifetimeSeconds must be less than Phase1LifetimeSeconds.")
    if changed["RekeyMarginTimeSeconds"] > changed["Phase2LifetimeSeconds"] // 2:
        raise invalid_value("RekeyMarginTimeSeconds must be at most half of Phase2LifetimeSeconds.")
    tunnel.update(changed)
    return ActionResult({"VpnConnection": vpn})


def modify_vpn_connection_response(self: Any) -> ActionResult:
    """ModifyVpnConnection to another customer gateway (what a person does who replaced one by hand).

    AWS keeps the tunnels' outside IPs and keys and renegotiates them against the new gateway;
    here the change takes effect at once. Moving to another transit or virtual private
    gateway is not modelled.
    """
    backend = self.ec2_backend
    vpn_id = self._get_param("VpnConnectionId")
    vpn = backend.vpn_connections.get(vpn_id)
    if vpn is None or vpn.state in GONE:
        raise InvalidVpnConnectionIdError(vpn_id)
    if self._get_param("TransitGatewayId") or self._get_param("VpnGatewayId"):
        raise EC2ClientError("UnsupportedOperation", "Only CustomerGatewayId can be modified on the proving ground.")
    cgw_id = self._get_param("CustomerGatewayId")
    if cgw_id:
        cgw = backend.get_customer_gateway(cgw_id)
        if cgw.state != "available":
            raise InvalidCustomerGatewayIdError(cgw_id)
        vpn.customer_gateway_id = cgw.id
    return ActionResult({"VpnConnection": vpn})


def describe_vpn_connections_response(self: Any) -> ActionResult:
    vpns = self.ec2_backend.describe_vpn_connections(
        vpn_connection_ids=self._get_param("VpnConnectionIds", []),
        filters=self._filters_from_querystring(),
    )
    # One fabric round trip per describe, not one per connection.
    telemetry.refresh(vpns, aws_view_json)
    return ActionResult({"VpnConnections": vpns})


# --- the AWS view -------------------------------------------------------------


def _advertised_cidrs(backend: Any) -> dict[str, list[str]]:
    """Transit gateway ID -> the CIDRs of its available VPC attachments, for every gateway at once:
    the view is built on every DescribeVpnConnections, and a pass over the attachments per VPN
    connection grew with the square of the meshes held."""
    cidrs: dict[str, set[str]] = {}
    for a in list(backend.transit_gateway_attachments.values()):
        if a.resource_type == "vpc" and a.state == "available":
            vpc = backend.vpcs.get(a.resource_id)
            if vpc is not None:
                cidrs.setdefault(a.transit_gateway_id, set()).update(
                    c["cidr_block"] for c in vpc.get_cidr_block_association_set()
                    if c["cidr_block_state"]["state"] == "associated"
                )
    return {tgw_id: sorted(found) for tgw_id, found in cidrs.items()}


def _view_of(backend: Any, vpn: Any, advertised: dict[str, list[str]]) -> dict[str, Any]:
    cgw = backend.customer_gateways.get(vpn.customer_gateway_id)
    tgw = backend.transit_gateways.get(vpn.transit_gateway_id or "")

    def values(t: dict[str, Any], key: str) -> list[Any]:
        return [v["Value"] for v in t[key]]

    return {
        "vpnConnectionId": vpn.id,
        "state": vpn.state,
        "transitGatewayId": vpn.transit_gateway_id,
        "transitGatewayAsn": int(tgw.options["AmazonSideAsn"]) if tgw else None,
        "customerGatewayId": vpn.customer_gateway_id,
        "customerGatewayIp": cgw.ip_address if cgw else None,
        "customerGatewayAsn": int(cgw.bgp_asn) if cgw else None,
        "advertisedCidrs": advertised.get(tgw.id, []) if tgw else [],
        "tunnels": [
            {
                "outsideIpAddress": t["OutsideIpAddress"],
                "tunnelInsideCidr": t["TunnelInsideCidr"],
                "preSharedKey": t["PreSharedKey"],
                "ikeVersions": values(t, "IkeVersions"),
                "phase1EncryptionAlgorithms": values(t, "Phase1EncryptionAlgorithms"),
                "phase1IntegrityAlgorithms": values(t, "Phase1IntegrityAlgorithms"),
                "phase1DHGroupNumbers": values(t, "Phase1DHGroupNumbers"),
                "phase2EncryptionAlgorithms": values(t, "Phase2EncryptionAlgorithms"),
                "phase2IntegrityAlgorithms": values(t, "Phase2IntegrityAlgorithms"),
                "phase2DHGroupNumbers": values(t, "Phase2DHGroupNumbers"),
            }
            for t in (vpn.options or {}).get("TunnelOptions", [])
        ],
    }


def _build_view() -> dict[str, Any]:
    connections = []
    for backend in ec2_backends_all():
        advertised = _advertised_cidrs(backend)
        connections += [_view_of(backend, vpn, advertised) for vpn in list(backend.vpn_connections.values()) if vpn.state != "deleted"]
    return {"vpnConnections": connections}


def _next_transition(since: float) -> float:
    """When, on the emulated clock, the first timed state the view may show turns over after `since`.

    A timeline that ended before `since` is either shown as ended (the build read the state
    after `since`) or is one the view does not read (a transit gateway's, a VPN attachment's),
    which Moto leaves in place until someone reads it.
    """
    deadlines = [
        timeline[2]
        for backend in ec2_backends_all()
        for models in (backend.vpn_connections, backend.transit_gateway_attachments, backend.transit_gateways)
        for model in list(models.values())
        if (timeline := model.__dict__.get("_sim_timeline")) is not None and timeline[2] > since
    ]
    return min(deadlines, default=float("inf"))


# (change counter, emulated time it holds until, the view's JSON): replaced whole, so a reader
# in another request thread never sees half of an update.
_cached: tuple[int, float, bytes] | None = None


def aws_view_json() -> bytes:
    """Every non-deleted VPN connection of every account and region, as JSON (the fabric POST's
    body and GET /_sim/vpn-view), rebuilt only after a change it reads or a timed state it shows
    turning over."""
    global _cached
    cached = _cached
    if cached is not None and cached[0] == changes.version() and lifecycle.now() < cached[1]:
        return cached[2]
    # Both read before building: a change landing meanwhile moves the counter past `version`,
    # and a timeline ending meanwhile is after `started`.
    version, started = changes.version(), lifecycle.now()
    body = json.dumps(_build_view()).encode()
    _cached = (version, _next_transition(started), body)
    return body


def install() -> None:
    timed_state(VPNConnection)
    VPNConnection.customer_gateway_configuration = property(_customer_gateway_configuration)  # type: ignore[method-assign,assignment]
    VPNConnection.vgw_telemetry = property(_vgw_telemetry)  # type: ignore[attr-defined]
    VPNConnection.category = "VPN"  # type: ignore[attr-defined]
    VPNConnection.get_filter_value = _vpn_filter_value  # type: ignore[method-assign]
    CustomerGatewayBackend.create_customer_gateway = create_customer_gateway  # type: ignore[method-assign]
    CustomerGatewayBackend.delete_customer_gateway = delete_customer_gateway  # type: ignore[method-assign]
    CustomerGatewayBackend.describe_customer_gateways = describe_customer_gateways  # type: ignore[method-assign]
    VpnResponses.create_vpn_connection = create_vpn_connection_response  # type: ignore[method-assign]
    VpnResponses.delete_vpn_connection = delete_vpn_connection_response  # type: ignore[method-assign]
    VpnResponses.describe_vpn_connections = describe_vpn_connections_response  # type: ignore[method-assign]
    VpnResponses.modify_vpn_tunnel_options = modify_vpn_tunnel_options_response  # type: ignore[attr-defined]
    VpnResponses.modify_vpn_connection = modify_vpn_connection_response  # type: ignore[attr-defined]
