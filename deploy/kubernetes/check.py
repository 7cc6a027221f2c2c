#!/usr/bin/env python3
"""Herald's invariants of deploy/kubernetes/, beyond what kubernetes-validate checks against the API schema.

Usage: python3 deploy/kubernetes/check.py [deploy/kubernetes]   (needs PyYAML; exit 1 lists every problem)
"""
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

SERVICES = {  # name: (gRPC port, HTTP port), as in each Services/<Name>/README.md
    "herald-registry": (50050, 8081),
    "herald-producer": (50051, 8091),
    "herald-router": (50052, 8092),
    "herald-delivery": (50053, 8093),
}
POD_INDEX = "metadata.labels['apps.kubernetes.io/pod-index']"
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi)?$")
# Services that call the registry and so send an API key of their own.
KEY_SENDERS = ("herald-producer", "herald-delivery")
CONSOLE, CONSOLE_HTTP_PORT = "herald-console", 8080  # Services/Console/README.md
# The console's address of each service: its Service, on its gRPC port.
CONSOLE_URLS = {f"HERALD_{name.removeprefix('herald-').upper()}_URL": f"{name}:{grpc}" for name, (grpc, _) in SERVICES.items()}
# The services whose /metrics the console's overview reads, every pod of each (Services/Console/README.md).
CONSOLE_METRICS = {"HERALD_PRODUCER_METRICS_URL": "herald-producer", "HERALD_DELIVERY_METRICS_URL": "herald-delivery"}
TRUE = ("1", "true", "yes", "on")


def env_of(container: dict) -> dict:
    return {item["name"]: item for item in container.get("env", [])}


def shared_env(container: dict, objects: dict) -> dict:
    """The variables the container takes from ConfigMaps (envFrom)."""
    shared = {}
    for source in container.get("envFrom", []):
        config = objects.get(("ConfigMap", source.get("configMapRef", {}).get("name")), {})
        shared.update(config.get("data", {}))
    return shared


def effective_env(container: dict, objects: dict) -> dict:
    """{name: value} the process sees: ConfigMaps first, then `env` values, which win."""
    return shared_env(container, objects) | {name: item["value"] for name, item in env_of(container).items() if "value" in item}


def generated_secret_keys(kustomization: dict) -> dict:
    """{Secret name: the keys (file names) it holds} for every Secret the kustomization generates from files."""
    return {generator["name"]: {entry.split("=", 1)[0] if "=" in entry else Path(entry).name
                                for entry in generator.get("files", [])}
            for generator in kustomization.get("secretGenerator", [])}


def mounted_secret_files(pod: dict, container: dict, secrets: dict) -> dict:
    """{path in the container: volume mount} for every file of a generated Secret mounted into it."""
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    files = {}
    for mount in container.get("volumeMounts", []):
        secret = volumes.get(mount["name"], {}).get("secret", {})
        if secret.get("secretName") not in secrets:
            continue
        keys = {item["key"]: item["path"] for item in secret.get("items", [])} or {k: k for k in secrets[secret["secretName"]]}
        for path in keys.values():
            files[f"{mount['mountPath'].rstrip('/')}/{path}"] = mount
    return files


def key_problems(name: str, pod: dict, container: dict, objects: dict, secrets: dict) -> list:
    """Authentication on: bootstrap keys read-only from a generated Secret, an API key for the
    registry's callers, and never --insecure-no-auth (in the container or the shared ConfigMap)."""
    where = f"StatefulSet {name}"
    env = env_of(container)
    shared = shared_env(container, objects)
    files = mounted_secret_files(pod, container, secrets)
    problems = []
    bootstrap = env.get("HERALD_BOOTSTRAP_KEY_FILE", {}).get("value")
    if bootstrap not in files:
        problems.append(f"{where}: HERALD_BOOTSTRAP_KEY_FILE must name a file of a generated Secret mounted into it, "
                        f"got {bootstrap!r} (mounted {sorted(files)})")
    elif not files[bootstrap].get("readOnly"):
        problems.append(f"{where}: the bootstrap key Secret must be mounted readOnly")
    if name in KEY_SENDERS:
        api_file = env.get("HERALD_API_KEY_FILE", {}).get("value")
        api_secret = env.get("HERALD_API_KEY", {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name")
        if api_file not in files and api_secret not in secrets:
            problems.append(f"{where}: calls the registry, so needs HERALD_API_KEY_FILE naming a mounted Secret file")
    insecure = [str(env.get("HERALD_INSECURE_NO_AUTH", {}).get("value", "")), str(shared.get("HERALD_INSECURE_NO_AUTH", ""))]
    arguments = [str(part) for part in container.get("command", []) + container.get("args", [])]
    if any(value.lower() in TRUE for value in insecure) or "--insecure-no-auth" in arguments:
        problems.append(f"{where}: runs with --insecure-no-auth; give it keys instead")
    return problems


def check_workload(name: str, objects: dict, secrets: dict, problems: list) -> None:
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
    problems.extend(key_problems(name, pod, container, objects, secrets))
    if ("PodDisruptionBudget", name) not in objects:
        problems.append(f"{name}: no PodDisruptionBudget")
    if ("Service", name) not in objects:
        problems.append(f"{name}: no Service")


def selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (matchLabels, matchExpressions with In) matches `labels`."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    return all(labels.get(e["key"]) in e.get("values", []) for e in selector.get("matchExpressions", []) if e["operator"] == "In")


def console_egress_problems(pod_labels: dict, objects: dict) -> list:
    """When a NetworkPolicy limits the console's egress, it must still reach every service's gRPC
    port, and the HTTP port (/metrics) of the services whose figures the overview shows."""
    policies = [policy["spec"] for (kind, _), policy in objects.items() if kind == "NetworkPolicy"
                and "Egress" in policy["spec"].get("policyTypes", []) and selects(policy["spec"]["podSelector"], pod_labels)]
    if not policies:
        return []
    needed = {(name, "grpc", grpc) for name, (grpc, _) in SERVICES.items()}
    needed |= {(name, "http", SERVICES[name][1]) for name in CONSOLE_METRICS.values()}
    reachable = set()
    for rule in (rule for policy in policies for rule in policy.get("egress", [])):
        ports = {str(port.get("port")) for port in rule.get("ports", [])}
        for name, port_name, number in needed:
            opens_port = not ports or ports & {port_name, str(number)}
            to_it = not rule.get("to") or any("podSelector" in peer and "namespaceSelector" not in peer
                                               and selects(peer["podSelector"], {"app.kubernetes.io/name": name})
                                               for peer in rule["to"])
            if opens_port and to_it:
                reachable.add((name, port_name, number))
    return [f"NetworkPolicy: the console's egress does not reach the {port_name} port of {name}"
            for name, port_name, _ in sorted(needed - reachable)]


def console_metrics_problems(env: dict, objects: dict) -> list:
    """Each metrics URL must name a headless Service of the service's pods on their HTTP port: its
    name resolves to every pod, which the console reads and adds up (a Service with a cluster IP
    would answer one pod at random)."""
    problems = []
    for variable, name in CONSOLE_METRICS.items():
        url = urlsplit(str(env.get(variable, "")))
        where = f"Deployment {CONSOLE}: {variable} {env.get(variable)!r}"
        service = objects.get(("Service", url.hostname), {}).get("spec", {})
        pods = objects.get(("StatefulSet", name), {}).get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
        if url.scheme != "http" or url.path != "/metrics":
            problems.append(f"{where}: must be http://<headless Service>:{SERVICES[name][1]}/metrics")
        elif service.get("clusterIP") != "None" or not service.get("selector") or not selects({"matchLabels": service["selector"]}, pods):
            problems.append(f"{where}: must name a headless Service (clusterIP: None) selecting the {name} pods")
        elif url.port != SERVICES[name][1] or url.port not in {port.get("port") for port in service.get("ports", [])}:
            problems.append(f"{where}: port {url.port}, expected {name}'s HTTP port {SERVICES[name][1]}, served by that Service")
    return problems


def check_console(objects: dict, problems: list) -> None:
    """One replica (sessions live in its memory) of the console image on 0.0.0.0:8080, probed on
    /healthz, calling every service through its Service's gRPC port and reading every producer and
    delivery pod's /metrics."""
    deployment = objects.get(("Deployment", CONSOLE))
    where = f"Deployment {CONSOLE}"
    if deployment is None:
        problems.append(f"{CONSOLE}: no Deployment (Services/Console/README.md)")
        return
    if deployment["spec"].get("replicas", 1) != 1:
        problems.append(f"{where}: replicas must be 1, sessions live in the pod's memory")
    pod = deployment["spec"]["template"]
    [container] = pod["spec"]["containers"]
    if container["image"].split(":")[0] != CONSOLE:
        problems.append(f"{where}: image {container['image']} is not the {CONSOLE} image compose/Dockerfile builds")
    ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
    env = effective_env(container, objects)
    if ports != {"http": CONSOLE_HTTP_PORT} or str(env.get("HERALD_PORT", CONSOLE_HTTP_PORT)) != str(CONSOLE_HTTP_PORT):
        problems.append(f"{where}: ports {ports}, HERALD_PORT {env.get('HERALD_PORT')!r}; expected http {CONSOLE_HTTP_PORT} only")
    if env.get("HERALD_HOST") != "0.0.0.0":
        problems.append(f"{where}: HERALD_HOST is {env.get('HERALD_HOST')!r}; a pod must bind 0.0.0.0")
    for variable, want in CONSOLE_URLS.items():
        if env.get(variable) != want:
            problems.append(f"{where}: {variable} is {env.get(variable)!r}, want {want}")
    for probe in ("readinessProbe", "livenessProbe"):
        if container.get(probe, {}).get("httpGet", {}).get("path") != "/healthz":
            problems.append(f"{where}: {probe} must GET /healthz")
    resources = container.get("resources", {})
    for value in (resources.get("requests", {}).get("cpu"), resources.get("requests", {}).get("memory"), resources.get("limits", {}).get("memory")):
        if not QUANTITY.match(str(value or "")):
            problems.append(f"{where}: resources need cpu and memory requests and a memory limit, got {resources}")
            break
    service = objects.get(("Service", CONSOLE), {}).get("spec", {})
    if {port.get("port") for port in service.get("ports", [])} != {CONSOLE_HTTP_PORT} or not selects(
            {"matchLabels": service.get("selector", {})}, pod["metadata"]["labels"]):
        problems.append(f"{CONSOLE}: no Service selecting its pod on port {CONSOLE_HTTP_PORT}")
    problems.extend(console_metrics_problems(env, objects))
    problems.extend(console_egress_problems(pod["metadata"]["labels"], objects))


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
        check_workload(name, objects, generated_secret_keys(kustomization), problems)
    check_console(objects, problems)

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
    if images != {*SERVICES, CONSOLE}:
        problems.append(f"kustomization.yaml: images {sorted(images)}, expected {sorted({*SERVICES, CONSOLE})}")

    for problem in problems:
        print(f"deploy/kubernetes: {problem}", file=sys.stderr)
    if not problems:
        print(f"ok: deploy/kubernetes ({len(objects)} objects in {len(listed)} files)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
