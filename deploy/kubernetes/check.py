#!/usr/bin/env python3
"""Herald's invariants of deploy/kubernetes/, beyond what kubernetes-validate checks against the API schema.

Usage: python3 deploy/kubernetes/check.py [deploy/kubernetes]   (needs PyYAML; exit 1 lists every problem)
"""
import re
import sys
from pathlib import Path

import yaml

SERVICES = {  # name: (gRPC port, HTTP port), as in each Services/<Name>/README.md
    "herald-registry": (50050, 8081),
    "herald-producer": (50051, 8091),
    "herald-router": (50052, 8092),
    "herald-delivery": (50053, 8093),
}
POD_INDEX = "metadata.labels['apps.kubernetes.io/pod-index']"
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi)?$")


def env_of(container: dict) -> dict:
    return {item["name"]: item for item in container.get("env", [])}


def check_workload(name: str, objects: dict, problems: list) -> None:
    grpc_port, http_port = SERVICES[name]
    sts = objects.get(("StatefulSet", name))
    if sts is None:
        problems.append(f"{name}: no StatefulSet (every service needs a stable instance id)")
        return
    pod = sts["spec"]["template"]["spec"]
    [container] = pod["containers"]
    where = f"StatefulSet {name}"
    if container["image"].split(":")[0] != name:
        problems.append(f"{where}: image {container['image']} is not the {name} image compose/Dockerfile builds")
    instance = env_of(container).get("HERALD_INSTANCE_ID", {})
    if instance.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != POD_INDEX:
        problems.append(f"{where}: HERALD_INSTANCE_ID must come from the pod index (stable across restarts)")
    ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
    if ports != {"grpc": grpc_port, "http": http_port}:
        problems.append(f"{where}: ports {ports}, expected grpc {grpc_port} and http {http_port}")
    for probe in ("startupProbe", "readinessProbe"):
        if container.get(probe, {}).get("httpGet", {}).get("path") != "/healthz":
            problems.append(f"{where}: {probe} must GET /healthz")
    if container.get("livenessProbe", {}).get("grpc", {}).get("port") != grpc_port:
        problems.append(f"{where}: livenessProbe must ask the gRPC health service on {grpc_port}")
    resources = container.get("resources", {})
    for kind in ("cpu", "memory"):
        value = str(resources.get("requests", {}).get(kind, ""))
        if not QUANTITY.match(value):
            problems.append(f"{where}: resources.requests.{kind} '{value}' is not a quantity")
    if not QUANTITY.match(str(resources.get("limits", {}).get("memory", ""))):
        problems.append(f"{where}: resources.limits.memory is missing")
    if ("PodDisruptionBudget", name) not in objects:
        problems.append(f"{name}: no PodDisruptionBudget")
    if ("Service", name) not in objects:
        problems.append(f"{name}: no Service")


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "deploy/kubernetes")
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    problems = []

    listed = set(kustomization.get("resources", []))
    on_disk = {path.name for path in folder.glob("*.yaml")} - {"kustomization.yaml"}
    for missing in sorted(on_disk - listed):
        problems.append(f"kustomization.yaml: {missing} is not listed in resources")
    for absent in sorted(listed - on_disk):
        problems.append(f"kustomization.yaml: resource {absent} does not exist")

    objects = {}
    for resource in sorted(listed & on_disk):
        for document in yaml.safe_load_all((folder / resource).read_text()):
            if document:
                objects[(document["kind"], document["metadata"]["name"])] = document
    for name in SERVICES:
        check_workload(name, objects, problems)

    delivery = objects.get(("StatefulSet", "herald-delivery"))
    if delivery:
        key = env_of(delivery["spec"]["template"]["spec"]["containers"][0]).get("HERALD_SECRET_KEY", {})
        secret = key.get("valueFrom", {}).get("secretKeyRef", {}).get("name")
        generated = {item["name"] for item in kustomization.get("secretGenerator", [])}
        if secret not in generated:
            problems.append("herald-delivery: HERALD_SECRET_KEY must come from the Secret the kustomization generates")
    if not any(kind == "NetworkPolicy" for kind, _ in objects):
        problems.append("no NetworkPolicy")
    images = {image["name"] for image in kustomization.get("images", [])}
    if images != set(SERVICES):
        problems.append(f"kustomization.yaml: images {sorted(images)}, expected {sorted(SERVICES)}")

    for problem in problems:
        print(f"deploy/kubernetes: {problem}", file=sys.stderr)
    if not problems:
        print(f"ok: deploy/kubernetes ({len(objects)} objects in {len(listed)} files)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
