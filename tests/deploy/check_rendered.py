#!/usr/bin/python3
"""Checks the objects `helm template` rendered from Coffer's charts.

  check_rendered.py RENDERED [--config-id ID --services S1,S2,...]
                             [--spread]

Prints one line per finding and exits 1 if there is any:
  - a container that runs `coffer run` names --config-id ID/SERVICE, and the
    services found are exactly S1,S2,... (with --config-id); any other
    container runs `coffer las serve`, `coffer cas serve` or HAProxy;
  - no Secret is rendered, no ConfigMap holds a key or a certificate, and
    a pod's environment holds addresses only (no secretKeyRef, no envFrom);
  - the LAS socket directory is mounted read-only everywhere but in the LAS;
  - every container: no privilege escalation, a read-only root file system,
    every capability dropped (SYS_PTRACE added back in the LAS only),
    resource requests, a readiness probe; every pod but the LAS's non-root,
    and no service account token;
  - with --spread: no two database servers (primary, replicas) can share a
    node (required pod anti-affinity on the node's host name), and no pod is
    tied to the primary's node.
"""
import re
import sys

import yaml

ALLOWED_ENV = {"COFFER_CAS_ADDR", "COFFER_LAS_ADDR", "POD_NAME"}
KEY_MATERIAL = re.compile(r"PRIVATE KEY|BEGIN CERTIFICATE|\$\$COFFER::|[0-9a-fA-F]{40,}")
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}

findings = []


def finding(where, text):
    findings.append(f"{where}: {text}")


def command_text(container):
    return " ".join(container.get("command", []) + container.get("args", []))


def check_spread(where, labels, spec):
    affinity = spec.get("affinity", {})
    if "podAffinity" in affinity:
        finding(where, "is tied to another pod's node")
    if labels.get("app.kubernetes.io/component") not in ("primary", "replica"):
        return
    terms = affinity.get("podAntiAffinity", {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution", [])
    apart = [t for t in terms if t.get("topologyKey") == "kubernetes.io/hostname"
             and all(labels.get(k) == v for k, v in
                     t.get("labelSelector", {}).get("matchLabels", {}).items())
             and "coffer.io/role" in t.get("labelSelector", {}).get("matchLabels", {})]
    if not apart:
        finding(where, "may share a node with another database server")


def main():
    args = sys.argv[1:]
    spread = "--spread" in args
    rendered = args[0]
    config_id = services = None
    if "--config-id" in args:
        config_id = args[args.index("--config-id") + 1]
        services = set(args[args.index("--services") + 1].split(","))
    with open(rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    seen_services = set()
    for d in docs:
        kind, name = d["kind"], d["metadata"]["name"]
        where = f"{kind}/{name}"
        if kind == "Secret":
            finding(where, "a Secret is rendered")
        if kind == "ConfigMap":
            for key, value in (d.get("data") or {}).items():
                if KEY_MATERIAL.search(value):
                    finding(f"{where} {key}", "holds what looks like key material")
        if kind not in WORKLOADS:
            continue
        spec = d["spec"]["template"]["spec"]
        if spread:
            check_spread(where, d["spec"]["template"]["metadata"].get("labels", {}), spec)
        las_socket_volumes = {v["name"] for v in spec.get("volumes", [])
                              if v.get("hostPath", {}).get("path", "").endswith("/coffer/las")}
        if spec.get("automountServiceAccountToken") is not False:
            finding(where, "mounts a service account token")
        for c in spec["containers"]:
            cw = f"{where} container {c['name']}"
            text = command_text(c)
            is_las = re.search(r"\bcoffer las serve\b", text) is not None
            if "coffer run" in text:
                m = re.search(r"--config-id[ =]\"?([^\"\s]+)\"?", text)
                if not m:
                    finding(cw, "runs coffer run without --config-id")
                elif config_id is not None:
                    session, _, service = m.group(1).partition("/")
                    if session != config_id:
                        finding(cw, f"config ID {m.group(1)}, want {config_id}/...")
                    seen_services.add(service)
            elif not (is_las or re.search(r"\bcoffer cas serve\b", text) or
                      c.get("command", [""])[0] == "haproxy"):
                finding(cw, f"runs neither coffer nor HAProxy: {text}")
            for e in c.get("env", []):
                if e["name"] not in ALLOWED_ENV:
                    finding(cw, f"environment variable {e['name']} is not an address")
                ref = e.get("valueFrom", {})
                if "secretKeyRef" in ref or "configMapKeyRef" in ref:
                    finding(cw, f"environment variable {e['name']} comes from a Secret or ConfigMap")
            if c.get("envFrom"):
                finding(cw, "takes its environment from a Secret or ConfigMap")
            for m in c.get("volumeMounts", []):
                if m["name"] in las_socket_volumes and not is_las and not m.get("readOnly"):
                    finding(cw, "mounts the LAS socket directory writable")
            sc = c.get("securityContext", {})
            if sc.get("allowPrivilegeEscalation") is not False:
                finding(cw, "allows privilege escalation")
            if sc.get("privileged"):
                finding(cw, "is privileged")
            if sc.get("readOnlyRootFilesystem") is not True:
                finding(cw, "has a writable root file system")
            caps = sc.get("capabilities", {})
            if "ALL" not in caps.get("drop", []):
                finding(cw, "keeps the default capabilities")
            if caps.get("add", []) not in ([], ["SYS_PTRACE"] if is_las else []):
                finding(cw, f"adds capabilities {caps.get('add')}")
            if not c.get("resources", {}).get("requests"):
                finding(cw, "has no resource requests")
            if not c.get("readinessProbe"):
                finding(cw, "has no readiness probe")
            if not is_las and spec.get("securityContext", {}).get("runAsNonRoot") is not True:
                finding(cw, "may run as root")
    if services is not None and seen_services != services:
        finding(rendered, f"services run: {sorted(seen_services)}, want {sorted(services)}")
    for f in findings:
        print(f)
    print(f"{len(docs)} objects, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
