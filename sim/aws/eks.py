"""EKS clusters and managed node groups with EKS's validation, latencies and control planes.

Moto's EKS makes everything ACTIVE at once, invents an endpoint and barely
validates. Here CreateCluster and CreateNodegroup validate like EKS, every
cluster is backed by a real kube-apiserver from the kube pool (sim/README.md,
"Kubernetes control planes"), and the latencies are EKS's divided by the time
scale. A cluster is ACTIVE only once its latency has passed *and* the pool says
ready. Node groups are simulated: nothing runs.

States advance lazily (no timer threads): every EKS request first settles its
region's backend, which moves due timelines on, asks the pool about clusters
whose latency has passed, and forgets (and releases) what finished deleting.
"""

import base64
import ipaddress
import json
import sys
import threading
import uuid
from typing import Any
from urllib.parse import unquote

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidSubnetIdError
from moto.ec2.models import ec2_backends
from moto.eks.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.eks.models import Cluster, EKSBackend, Nodegroup, eks_backends, validate_launch_template_combination
from moto.eks.responses import EKSResponse
from moto.iam.models import iam_backends

import consistency
import eks_access
import kube_pool
import lifecycle

CLUSTER_CREATE_S, CLUSTER_DELETE_S = 600, 300
NODEGROUP_CREATE_S, NODEGROUP_DELETE_S = 180, 120
SUPPORTED_VERSIONS = ("1.31", "1.32", "1.33", "1.34")  # the pool's kube-apiserver is 1.34
AUTH_MODES = ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP")
RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
DEFAULT_SCALING = {"minSize": 2, "maxSize": 2, "desiredSize": 2}

_lock = threading.Lock()


# --- errors in EKS's shape (the body names the cluster / node group) ----------


def invalid_parameter(message: str, cluster: str | None = None, nodegroup: str | None = None) -> Exception:
    return InvalidParameterException(clusterName=cluster, nodegroupName=nodegroup, message=message)


def get_cluster(backend: EKSBackend, name: str) -> Cluster:
    cluster = backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFoundException(clusterName=name, message=f"No cluster found for name: {name}.")
    return cluster


# --- timelines ----------------------------------------------------------------


def _schedule(obj: Any, status: str, real_seconds: float, then: str | None) -> None:
    """`status` now, `then` once the scaled latency has passed (None: the object is gone)."""
    obj.status = status
    obj.sim_next = (lifecycle.after(real_seconds), then)


def _due(obj: Any, now: float) -> bool:
    return obj.sim_next is not None and now >= obj.sim_next[0]


def settle(backend: EKSBackend) -> None:
    """Moves due timelines on. Under one lock: requests are served in parallel threads (the
    pool is asked inside it, which is quick on loopback and bounded by its timeout)."""
    now = lifecycle.now()
    gone: list[Cluster] = []
    with _lock:
        for cluster in list(backend.clusters.values()):
            for nodegroup in list(cluster.nodegroups.values()):
                if _due(nodegroup, now):
                    then, nodegroup.sim_next = nodegroup.sim_next[1], None
                    if then is None:
                        del cluster.nodegroups[nodegroup.nodegroup_name]
                        cluster.nodegroup_count -= 1
                    else:
                        nodegroup.status = then
            if _due(cluster, now):
                if cluster.sim_next[1] is None:
                    del backend.clusters[cluster.name]
                    backend.cluster_count -= 1
                    gone.append(cluster)
                else:
                    _ask_pool(cluster)
    for cluster in gone:
        _release_control_plane(cluster)


# --- the control plane (kube pool) --------------------------------------------


def _pool_key(cluster: Cluster) -> str:
    return kube_pool.eks_key(cluster.sim_region, cluster.name)


def _pool_body(cluster: Cluster) -> dict[str, Any]:
    return {
        "flavor": "eks",
        "name": cluster.name,
        "region": cluster.sim_region,
        "serviceCidr": cluster.kubernetes_network_config["serviceIpv4Cidr"],
        # Nodes come with node groups (put_node_pool); a cluster alone has none.
        "nodePools": [],
        "nodeCidr": cluster.sim_subnets[0]["cidr"],
    }


def _node_pool_body(nodegroup: Nodegroup, subnets: list[Any]) -> dict[str, Any]:
    """What the pool needs to make the node group's nodes (sim/README.md, "Kubernetes control planes")."""
    return {
        "count": nodegroup.scaling_config["desiredSize"],
        "instanceType": (nodegroup.instance_types or ["t3.medium"])[0],  # EKS's default instance type
        "subnets": [{"cidr": s.cidr_block, "zone": s.availability_zone} for s in subnets],
    }


def _announce_nodes(cluster: Cluster, nodegroup: Nodegroup, subnets: list[Any]) -> None:
    """The node group's instances join the cluster while it is CREATING, as EC2 instances do."""
    if not kube_pool.configured():
        return
    try:
        kube_pool.put_node_pool(_pool_key(cluster), nodegroup.nodegroup_name, _node_pool_body(nodegroup, subnets))
    except kube_pool.PoolError as error:
        print(f"[aws-sim] EKS node group {nodegroup.nodegroup_name}: its nodes were not announced: {error}", file=sys.stderr, flush=True)


def _drain_nodes(cluster: Cluster, nodegroup: Nodegroup) -> None:
    if not kube_pool.configured():
        return
    try:
        kube_pool.delete_node_pool(_pool_key(cluster), nodegroup.nodegroup_name)
    except kube_pool.PoolError as error:
        print(f"[aws-sim] EKS node group {nodegroup.nodegroup_name}: its nodes were not removed: {error}", file=sys.stderr, flush=True)


def _fail(cluster: Cluster, reason: str) -> None:
    cluster.status = "FAILED"
    cluster.sim_next = None
    cluster.health = {"issues": [{"code": "InternalFailure", "message": reason, "resourceIds": [cluster.name]}]}
    print(f"[aws-sim] EKS cluster {cluster.name} FAILED: {reason}", file=sys.stderr, flush=True)


def _start_control_plane(cluster: Cluster) -> None:
    if not kube_pool.configured():
        # An invented endpoint would only fail later and further away.
        _fail(cluster, "The proving ground has no kube pool (CELLBRIDGE_SIM_KUBE_URL is not set), "
                       "so no Kubernetes control plane can back this cluster.")
        return
    if not kube_pool.valid_key(_pool_key(cluster)):
        # EKS allows capitals, underscores and 100 characters in names; the pool's keys do not.
        _fail(cluster, f"The kube pool cannot hold {_pool_key(cluster)}: its keys are {kube_pool.KEY_PATTERN.pattern}.")
        return
    try:
        kube_pool.put(_pool_key(cluster), _pool_body(cluster))
    except kube_pool.PoolError as error:
        # Asked again (GET, else PUT) once the creation latency has passed.
        print(f"[aws-sim] EKS cluster {cluster.name}: {error}", file=sys.stderr, flush=True)


def _ask_pool(cluster: Cluster) -> None:
    """The creation latency has passed: ACTIVE if the pool is ready, FAILED if it failed."""
    key = _pool_key(cluster)
    try:
        # A pool that lost the cluster (restarted) is asked to start it again.
        answer = kube_pool.get(key) or kube_pool.put(key, _pool_body(cluster))
    except kube_pool.PoolError as error:
        _fail(cluster, f"The cluster's control plane is unreachable: {error}")
        return
    if answer["state"] == "failed":
        _fail(cluster, f"The cluster's control plane failed to start: {answer.get('error') or 'no reason given'}")
    elif answer["state"] == "ready":
        if not answer.get("endpoint") or not answer.get("caPem"):
            _fail(cluster, f"The kube pool reported {key} ready without an endpoint and CA.")
            return
        cluster.endpoint = answer["endpoint"]
        cluster.certificate_authority = {"data": base64.b64encode(answer["caPem"].encode()).decode()}
        cluster.status = "ACTIVE"
        cluster.sim_next = None
    # "starting": still CREATING; asked again on the next request.


def _release_control_plane(cluster: Cluster) -> None:
    if not kube_pool.configured():
        return
    try:
        kube_pool.delete(_pool_key(cluster))
    except kube_pool.PoolError as error:
        print(f"[aws-sim] EKS cluster {cluster.name} deleted, but its control plane was not: {error}",
              file=sys.stderr, flush=True)


def release_all() -> None:
    """Before a reset forgets the clusters: their API servers are real processes."""
    for _account, _region, backend in list(eks_backends.iter_backends()):
        for cluster in list(backend.clusters.values()):
            _release_control_plane(cluster)


# --- validation ---------------------------------------------------------------


def _trust_services(role: Any) -> set[str]:
    """The services the role's trust policy lets assume it (EKS finds out by assuming it)."""
    raw = role.assume_role_policy_document
    try:
        document = json.loads(raw)
    except ValueError:
        document = json.loads(unquote(raw))
    statements = document.get("Statement", [])
    services: set[str] = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow" or not {"sts:AssumeRole", "sts:*", "*"} & set(actions):
            continue
        if isinstance(principal, dict):
            named = principal.get("Service", [])
            services.update([named] if isinstance(named, str) else named)
    return services


def _role(backend: EKSBackend, arn: str | None) -> Any:
    iam = iam_backends[backend.account_id][backend.partition]
    return next((r for r in iam.get_roles() if r.arn == arn), None)


def _check_cluster_role(backend: EKSBackend, name: str, arn: str | None) -> None:
    role = _role(backend, arn)
    # A role IAM has not propagated yet is one EKS cannot assume, with the same answer.
    if role is None or "eks.amazonaws.com" not in _trust_services(role) or not consistency.role_assumable(role):
        raise invalid_parameter(
            f"Role with arn: {arn}, could not be assumed because it does not exist or the trusted entity is not correct",
            name,
        )


def _subnets(backend: EKSBackend, ids: Any, cluster: str, nodegroup: str | None = None) -> list[Any]:
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    found = []
    for subnet_id in ids or []:
        try:
            found.append(ec2.get_subnet(subnet_id))
        except InvalidSubnetIdError:
            raise invalid_parameter(f"The subnet ID '{subnet_id}' does not exist", cluster, nodegroup)
    return found


def _vpc_config(backend: EKSBackend, name: str, spec: Any) -> dict[str, Any]:
    spec = dict(spec or {})
    subnets = _subnets(backend, spec.get("subnetIds"), name)
    if len({s.availability_zone for s in subnets}) < 2:
        raise invalid_parameter("Subnets specified must be in at least two different AZs", name)
    vpc_ids = {s.vpc_id for s in subnets}
    if len(vpc_ids) > 1:
        raise invalid_parameter(f"Subnets specified must belong to the same VPC, got {', '.join(sorted(vpc_ids))}", name)
    vpc_id = vpc_ids.pop()
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    for group_id in spec.get("securityGroupIds") or []:
        group = ec2.get_security_group_from_id(group_id)
        if group is None or group.vpc_id != vpc_id:
            raise invalid_parameter(f"The security group '{group_id}' does not exist in VPC {vpc_id}", name)
    return {
        "subnetIds": [s.id for s in subnets],
        "securityGroupIds": list(spec.get("securityGroupIds") or []),
        "vpcId": vpc_id,
        "endpointPublicAccess": spec.get("endpointPublicAccess", True),
        "endpointPrivateAccess": spec.get("endpointPrivateAccess", False),
        "publicAccessCidrs": list(spec.get("publicAccessCidrs") or ["0.0.0.0/0"]),
    }


def _service_cidr(backend: EKSBackend, name: str, vpc_id: str, spec: Any) -> str:
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    vpc_cidrs = [
        ipaddress.ip_network(a["cidr_block"])
        for a in ec2.get_vpc(vpc_id).cidr_block_association_set
        if a["cidr_block_state"]["state"] == "associated"
    ]
    requested = (spec or {}).get("serviceIpv4Cidr")
    if requested is None:
        # What EKS picks: 172.20.0.0/16 when the VPC uses 10.0.0.0/8, else 10.100.0.0/16.
        ten = RFC1918[0]
        return "172.20.0.0/16" if any(c.overlaps(ten) for c in vpc_cidrs) else "10.100.0.0/16"
    try:
        net = ipaddress.ip_network(requested, strict=True)
    except ValueError:
        raise invalid_parameter(f"serviceIpv4Cidr {requested} is not a valid IPv4 CIDR block", name)
    if net.version != 4 or not 12 <= net.prefixlen <= 24 or not any(net.subnet_of(r) for r in RFC1918):
        raise invalid_parameter(
            f"serviceIpv4Cidr {requested} must be a /12 to /24 block within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
            name,
        )
    overlapping = [str(c) for c in vpc_cidrs if c.overlaps(net)]
    if overlapping:
        raise invalid_parameter(f"serviceIpv4Cidr {requested} overlaps the VPC CIDR {', '.join(overlapping)}", name)
    return str(net)


def _access_config(name: str, spec: Any) -> dict[str, Any]:
    spec = spec or {}
    mode = spec.get("authenticationMode") or "CONFIG_MAP"  # the API's default (the console's is API_AND_CONFIG_MAP)
    if mode not in AUTH_MODES:
        raise invalid_parameter(f"authenticationMode must be one of {', '.join(AUTH_MODES)}", name)
    bootstrap = spec.get("bootstrapClusterCreatorAdminPermissions")
    bootstrap = True if bootstrap is None else bool(bootstrap)
    if mode == "CONFIG_MAP" and not bootstrap:
        raise invalid_parameter(
            "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP",
            name,
        )
    return {"authenticationMode": mode, "bootstrapClusterCreatorAdminPermissions": bootstrap}


# --- clusters -----------------------------------------------------------------


def create_cluster(
    self: EKSBackend,
    name: str,
    role_arn: str,
    resources_vpc_config: Any,
    version: str | None = None,
    kubernetes_network_config: Any = None,
    logging: Any = None,
    client_request_token: str | None = None,
    tags: dict[str, str] | None = None,
    encryption_config: Any = None,
    remote_network_config: Any = None,
    access_config: Any = None,
    creator_arn: str | None = None,
) -> Cluster:
    existing = self.clusters.get(name)
    if existing is not None:
        if client_request_token and existing.client_request_token == client_request_token:
            return existing  # a retry of the same request (the SDK always sends a token)
        raise ResourceInUseException(clusterName=name, message=f"Cluster already exists with name: {name}")
    if version is not None and version not in SUPPORTED_VERSIONS:
        raise invalid_parameter(f"unsupported Kubernetes version {version}", name)
    _check_cluster_role(self, name, role_arn)
    vpc_config = _vpc_config(self, name, resources_vpc_config)
    service_cidr = _service_cidr(self, name, vpc_config["vpcId"], kubernetes_network_config)
    access = _access_config(name, access_config)

    cluster = Cluster(
        name=name,
        role_arn=role_arn,
        resources_vpc_config=vpc_config,
        account_id=self.account_id,
        region_name=self.region_name,
        aws_partition=self.partition,
        version=version or SUPPORTED_VERSIONS[-1],
        kubernetes_network_config={"serviceIpv4Cidr": service_cidr, "ipFamily": "ipv4",
                                   "elasticLoadBalancing": {"enabled": False}},
        logging=logging,
        client_request_token=client_request_token,
        tags=tags,
        encryption_config=encryption_config,
        remote_network_config=remote_network_config,
    )
    # Moto fills these with random strings; EKS has none until the control plane is up.
    cluster.endpoint = None
    cluster.certificate_authority = {}
    cluster.identity = {"oidc": {"issuer": f"https://oidc.eks.{self.region_name}.amazonaws.com/id/{uuid.uuid4().hex.upper()}"}}
    cluster.access_config = access
    cluster.health = {"issues": []}
    cluster.sim_region = self.region_name
    subnets = _subnets(self, vpc_config["subnetIds"], name)
    cluster.sim_subnets = [{"cidr": s.cidr_block, "zone": s.availability_zone} for s in subnets]
    _schedule(cluster, "CREATING", CLUSTER_CREATE_S, "ACTIVE")
    self.clusters[name] = cluster
    self.cluster_count += 1
    eks_access.init_cluster(cluster, creator_arn)
    _start_control_plane(cluster)
    return cluster


def delete_cluster(self: EKSBackend, name: str) -> Cluster:
    cluster = get_cluster(self, name)
    if cluster.status == "DELETING":
        return cluster
    if cluster.status == "CREATING":
        raise ResourceInUseException(clusterName=name, message=f"Cluster {name} is currently being created.")
    if cluster.nodegroups:
        raise ResourceInUseException(
            clusterName=name, nodegroupName=",".join(cluster.nodegroups), message="Cluster has nodegroups attached"
        )
    _schedule(cluster, "DELETING", CLUSTER_DELETE_S, None)
    return cluster


# --- node groups --------------------------------------------------------------


def _scaling(cluster: str, nodegroup: str, spec: Any) -> dict[str, int]:
    scaling = {**DEFAULT_SCALING, **(spec or {})}
    low, desired, high = scaling["minSize"], scaling["desiredSize"], scaling["maxSize"]
    if high < 1:
        raise invalid_parameter(f"Maximum capacity {high} can't be less than 1", cluster, nodegroup)
    if low < 0 or desired < 0:
        raise invalid_parameter("minSize and desiredSize can't be negative", cluster, nodegroup)
    if low > desired:
        raise invalid_parameter(f"Minimum capacity {low} can't be greater than desired size {desired}", cluster, nodegroup)
    if desired > high:
        raise invalid_parameter(f"Desired capacity {desired} can't be greater than max size {high}", cluster, nodegroup)
    return scaling


def create_nodegroup(
    self: EKSBackend,
    cluster_name: str,
    node_role: str,
    nodegroup_name: str,
    subnets: list[str],
    scaling_config: Any = None,
    disk_size: int | None = None,
    instance_types: list[str] | None = None,
    ami_type: str | None = None,
    remote_access: Any = None,
    labels: dict[str, str] | None = None,
    taints: Any = None,
    tags: dict[str, str] | None = None,
    client_request_token: str | None = None,
    launch_template: Any = None,
    capacity_type: str | None = None,
    version: str | None = None,
    release_version: str | None = None,
) -> Nodegroup:
    cluster = get_cluster(self, cluster_name)
    existing = cluster.nodegroups.get(nodegroup_name)
    if existing is not None:
        if client_request_token and existing.client_request_token == client_request_token:
            return existing
        raise ResourceInUseException(
            clusterName=cluster_name, nodegroupName=nodegroup_name,
            message=f"NodeGroup already exists with name {nodegroup_name} and cluster name {cluster_name}",
        )
    if cluster.status != "ACTIVE":
        raise InvalidRequestException(
            clusterName=cluster_name, nodegroupName=nodegroup_name,
            message=f"Cluster '{cluster_name}' is not in ACTIVE status",
        )
    role = _role(self, node_role)
    if role is None or "ec2.amazonaws.com" not in _trust_services(role) or not consistency.role_assumable(role):
        raise invalid_parameter(
            f"Following required service principals [ec2.amazonaws.com] were not found in the trust relationships of nodeRole {node_role}",
            cluster_name, nodegroup_name,
        )
    if node_role == cluster.role_arn:
        raise invalid_parameter("The node role can't be the cluster role; give node groups their own role", cluster_name, nodegroup_name)
    found = _subnets(self, subnets, cluster_name, nodegroup_name)
    if not found:
        raise invalid_parameter("subnets must name at least one subnet", cluster_name, nodegroup_name)
    vpc_id = cluster.resources_vpc_config["vpcId"]
    if any(s.vpc_id != vpc_id for s in found):
        raise invalid_parameter(f"Subnets must be in the cluster's VPC {vpc_id}", cluster_name, nodegroup_name)
    scaling = _scaling(cluster_name, nodegroup_name, scaling_config)
    if instance_types is not None and not instance_types:
        raise invalid_parameter("instanceTypes can't be empty", cluster_name, nodegroup_name)
    if launch_template:
        validate_launch_template_combination(disk_size, remote_access)

    version = version or cluster.version
    nodegroup = Nodegroup(
        cluster_name=cluster_name,
        node_role=node_role,
        nodegroup_name=nodegroup_name,
        subnets=[s.id for s in found],
        account_id=self.account_id,
        region_name=self.region_name,
        aws_partition=self.partition,
        scaling_config=scaling,
        disk_size=disk_size,
        instance_types=instance_types,
        ami_type=ami_type or "AL2023_x86_64_STANDARD",  # EKS's default since 1.30
        remote_access=remote_access,
        labels=labels,
        taints=taints,
        tags=tags,
        client_request_token=client_request_token,
        launch_template=launch_template,
        capacity_type=capacity_type,
        version=version,
        release_version=release_version or f"{version}.0-20250101",
    )
    # Moto invents a disk size (the string "20"), an SSH key and its security group; EKS has
    # none of them unless asked, and with a launch template the disk size is the template's.
    nodegroup.disk_size = None if launch_template else disk_size or 20
    nodegroup.remote_access = remote_access
    if not remote_access:
        del nodegroup.resources["remoteAccessSecurityGroup"]
    _schedule(nodegroup, "CREATING", NODEGROUP_CREATE_S, "ACTIVE")
    cluster.nodegroups[nodegroup_name] = nodegroup
    cluster.nodegroup_count += 1
    _announce_nodes(cluster, nodegroup, found)
    return nodegroup


def delete_nodegroup(self: EKSBackend, cluster_name: str, nodegroup_name: str) -> Nodegroup:
    cluster = get_cluster(self, cluster_name)
    nodegroup = cluster.nodegroups.get(nodegroup_name)
    if nodegroup is None:
        raise ResourceNotFoundException(
            clusterName=cluster_name, nodegroupName=nodegroup_name,
            message=f"No node group found for name: {nodegroup_name}.",
        )
    if nodegroup.status == "DELETING":
        return nodegroup
    if nodegroup.status == "CREATING":
        raise ResourceInUseException(
            clusterName=cluster_name, nodegroupName=nodegroup_name,
            message=f"Nodegroup {nodegroup_name} is currently being created.",
        )
    _schedule(nodegroup, "DELETING", NODEGROUP_DELETE_S, None)
    _drain_nodes(cluster, nodegroup)
    return nodegroup


# --- responses ----------------------------------------------------------------


def _settled_backend(self: EKSResponse) -> EKSBackend:
    backend = eks_backends[self.current_account][self.region]
    settle(backend)
    return backend


def create_cluster_response(self: EKSResponse) -> ActionResult:
    """Moto's, plus accessConfig and the caller (for the creator's access entry)."""
    cluster = self.eks_backend.create_cluster(
        name=self._get_param("name"),
        role_arn=self._get_param("roleArn"),
        resources_vpc_config=self._get_param("resourcesVpcConfig"),
        version=self._get_param("version"),
        kubernetes_network_config=self._get_param("kubernetesNetworkConfig"),
        logging=self._get_param("logging"),
        client_request_token=self._get_param("clientRequestToken"),
        tags=self._get_param("tags"),
        encryption_config=self._get_param("encryptionConfig"),
        remote_network_config=self._get_param("remoteNetworkConfig"),
        access_config=self._get_param("accessConfig"),
        creator_arn=eks_access.caller_arn(self),
    )
    return ActionResult({"cluster": cluster})


def install(kube_url: str | None) -> None:
    kube_pool.configure(kube_url)
    EKSResponse.eks_backend = property(_settled_backend)  # type: ignore[assignment]
    EKSResponse.create_cluster = create_cluster_response  # type: ignore[method-assign]
    EKSBackend.create_cluster = create_cluster  # type: ignore[method-assign]
    EKSBackend.delete_cluster = delete_cluster  # type: ignore[method-assign]
    EKSBackend.create_nodegroup = create_nodegroup  # type: ignore[method-assign]
    EKSBackend.delete_nodegroup = delete_nodegroup  # type: ignore[method-assign]
