#!/usr/bin/env bash
# `make deploy-check` (also run by `make test`): validates what deploys Herald, starting nothing.
#   * deploy/kubernetes/: every resource against the Kubernetes API schema of a pinned version
#     (kubernetes-validate, strict: unknown fields fail), then Herald's own invariants (check.py).
#   * .github/workflows/: every workflow against GitHub's workflow schema (check-jsonschema's
#     vendored copy, so no network is needed).
#   * compose/'s monitoring: the Grafana dashboard's structure and that every metric its queries
#     name is one Herald exports and documents; Prometheus scrapes every instance (check-monitoring.py).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin
# The Kubernetes version the manifests are written for; kubernetes-validate ships its schemas.
kubernetes_version=1.33.0

for tool in kubernetes-validate check-jsonschema; do
  [ -x "$venv/$tool" ] || { echo "check-deploy: $venv/$tool is missing; run make deps" >&2; exit 2; }
done

mapfile -t resources < <("$venv/python" -c '
import sys, yaml
print("\n".join(yaml.safe_load(open("deploy/kubernetes/kustomization.yaml"))["resources"]))')
(cd deploy/kubernetes && "../../$venv/kubernetes-validate" --strict --quiet -k "$kubernetes_version" "${resources[@]}")
echo "ok: deploy/kubernetes against the Kubernetes $kubernetes_version API (${#resources[@]} files)"
"$venv/python" deploy/kubernetes/check.py deploy/kubernetes

"$venv/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
"$venv/python" compose/check-monitoring.py
