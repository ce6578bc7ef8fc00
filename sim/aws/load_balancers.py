"""The network interfaces of the load balancers EKS makes for LoadBalancer Services.

On AWS, a Service of type LoadBalancer gets a load balancer from a controller in the
cluster, and that load balancer holds a requester-managed network interface in each of
its subnets. Those interfaces keep the subnet (and so the VPC) from being deleted:
DeleteSubnet answers DependencyViolation until the load balancer is gone and AWS has
released them, which takes a while after the Service is deleted. Deleting the cluster
first deletes nothing of the load balancer: it stays, billed, and blocks the subnets.

The kube pool plays the controller: it PUTs a load balancer's addresses when it gives a
Service its address and DELETEs it when the Service goes (`/_sim/load-balancers/<key>`).
Moto here makes an interface per address in the cluster's subnet that holds it, and
removes them `RELEASE_S` (scaled) after the DELETE.
"""

import ipaddress
import threading
from typing import Any

from moto.ec2.exceptions import DependencyViolationError
from moto.ec2.models import ec2_backends
from moto.eks.models import eks_backends

import kube_pool
import lifecycle

RELEASE_S = 60

_lock = threading.Lock()
# load balancer key -> {"enis": [(account, region, eni id)], "released_at": monotonic time or None}
_load_balancers: dict[str, dict[str, Any]] = {}


def put(key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Interfaces for `body["ips"]` in the subnets of EKS cluster `body["cluster"]` (its pool key)."""
    cluster_key, name, ips = body.get("cluster"), body.get("name"), body.get("ips")
    if not isinstance(cluster_key, str) or not isinstance(name, str) or not isinstance(ips, list):
        raise ValueError('body must be {"cluster": "<pool key>", "name": "<load balancer name>", "ips": ["<address>", …]}')
    with _lock:
        existing = _load_balancers.get(key)
        if existing and existing["released_at"] is None:
            return _view(key, existing)
        if existing:
            # A load balancer of the same name made again (a cell removed and added back) is a new one:
            # the deleted one's interfaces are still released on their own schedule, not orphaned.
            _load_balancers[f"{key}#deleted-{existing['released_at']}"] = existing
        account, region, subnet_ids = _cluster_subnets(cluster_key)
        backend = ec2_backends[account][region]
        enis = []
        for ip in ips:
            subnet = _subnet_holding(backend, subnet_ids, ip)
            if subnet is None:
                continue
            eni = backend.create_network_interface(subnet, ip, description=f"ELB net/{name[:32]}")
            eni.requester_managed = True
            eni.requester_id = "amazon-elb"
            enis.append((account, region, eni.id))
        _load_balancers[key] = {"enis": enis, "released_at": None}
        return _view(key, _load_balancers[key])


def delete(key: str) -> None:
    """The load balancer is deleted; its interfaces are released later, as AWS does."""
    with _lock:
        entry = _load_balancers.get(key)
        if entry and entry["released_at"] is None:
            entry["released_at"] = lifecycle.after(RELEASE_S)


def listing() -> list[dict[str, Any]]:
    with _lock:
        _release_due()
        return [_view(key, entry) for key, entry in _load_balancers.items()]


def reset() -> None:
    with _lock:
        _load_balancers.clear()


def install() -> None:
    """Released interfaces vanish before EC2 lists them or checks a subnet for them."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend
    from moto.ec2.models.subnets import SubnetBackend

    delete_subnet_as_moto = SubnetBackend.delete_subnet
    list_as_moto = NetworkInterfaceBackend.get_all_network_interfaces

    def delete_subnet(self: Any, subnet_id: str) -> Any:
        with _lock:
            _release_due()
        held = [eni.id for eni in list(self.enis.values()) if getattr(eni.subnet, "id", None) == subnet_id]
        if held:
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return delete_subnet_as_moto(self, subnet_id)

    def get_all_network_interfaces(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            _release_due()
        return list_as_moto(self, *args, **kwargs)

    SubnetBackend.delete_subnet = delete_subnet  # type: ignore[method-assign]
    NetworkInterfaceBackend.get_all_network_interfaces = get_all_network_interfaces  # type: ignore[method-assign]


def _release_due() -> None:
    now = lifecycle.now()
    for key, entry in list(_load_balancers.items()):
        if entry["released_at"] is None or entry["released_at"] > now:
            continue
        for account, region, eni_id in entry["enis"]:
            ec2_backends[account][region].enis.pop(eni_id, None)
        del _load_balancers[key]


def _cluster_subnets(cluster_key: str) -> tuple[str, str, list[str]]:
    for account, region, backend in eks_backends.iter_backends():
        for cluster in backend.clusters.values():
            if kube_pool.eks_key(region, cluster.name) == cluster_key:
                return account, region, list((cluster.resources_vpc_config or {}).get("subnetIds") or [])
    raise ValueError(f"no EKS cluster has pool key {cluster_key}")


def _subnet_holding(backend: Any, subnet_ids: list[str], ip: str) -> Any:
    address = ipaddress.ip_address(ip)
    for subnet_id in subnet_ids:
        subnet = backend.get_subnet(subnet_id)
        if address in ipaddress.ip_network(subnet.cidr_block):
            return subnet
    return None


def _view(key: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "networkInterfaces": [eni for _a, _r, eni in entry["enis"]], "released": entry["released_at"] is not None}
