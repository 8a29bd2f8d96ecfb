#!/usr/bin/python3
"""Runs a pod of a rendered chart on this machine, as its manifest gives it.

  pod.py RENDERED KIND/NAME POD NODE_DIR run            the container's command
  pod.py RENDERED KIND/NAME POD NODE_DIR probe KIND     its readiness or liveness probe
  pod.py RENDERED KIND/NAME POD NODE_DIR exec -- CMD... a command in the pod (kubectl exec)

POD is the pod's name (NAME-ORDINAL for a StatefulSet). The command, its
arguments and the environment are the manifest's (fieldRef metadata.name is
POD). Volumes become directories of the simulated node NODE_DIR, bind-mounted
where the manifest mounts them, in a private mount namespace (unshare):
hostPath H -> NODE_DIR/host/H, a claim C -> NODE_DIR/pvc/C-POD, emptyDir V ->
NODE_DIR/pods/POD/V, configMap M -> its rendered data in NODE_DIR/cm/M. A
readOnly mount is read-only. The container runs as root on the host's file
system and network (the test's hostNetwork), not in an image.
"""
import os
import sys

import yaml


def fail(message):
    print(f"pod.py: {message}", file=sys.stderr)
    sys.exit(2)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def find(docs, kind, name):
    for d in docs:
        if d["kind"] == kind and d["metadata"]["name"] == name:
            return d
    fail(f"no {kind}/{name} in the rendered manifests")


def volume_dirs(docs, workload, pod, node):
    """volume name -> host directory, made and filled."""
    spec = workload["spec"]["template"]["spec"]
    dirs = {}
    for v in spec.get("volumes", []):
        if "hostPath" in v:
            d = os.path.join(node, "host", v["hostPath"]["path"].lstrip("/"))
            if v["hostPath"].get("type") == "Directory" and not os.path.isdir(d):
                fail(f"hostPath {v['hostPath']['path']} (type Directory) is missing on the node")
        elif "emptyDir" in v:
            d = os.path.join(node, "pods", pod, v["name"])
        elif "configMap" in v:
            cm = find(docs, "ConfigMap", v["configMap"]["name"])
            d = os.path.join(node, "cm", cm["metadata"]["name"])
            os.makedirs(d, exist_ok=True)
            for key, value in cm.get("data", {}).items():
                with open(os.path.join(d, key), "w") as f:
                    f.write(value)
        else:
            fail(f"volume {v['name']}: only hostPath, emptyDir and configMap are simulated")
        dirs[v["name"]] = d
    for claim in workload["spec"].get("volumeClaimTemplates", []):
        name = claim["metadata"]["name"]
        dirs[name] = os.path.join(node, "pvc", f"{name}-{pod}")
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    return dirs


def make_mount_point(path, node):
    """Mount points are made on the host: each one made is listed in
    NODE_DIR/../mount-points, for the test's cleanup to remove."""
    missing = []
    while not os.path.exists(path):
        missing.append(path)
        path = os.path.dirname(path)
    for d in reversed(missing):
        try:
            os.mkdir(d)
        except FileExistsError:  # a probe of the same pod, at the same time
            continue
        with open(os.path.join(os.path.dirname(node.rstrip("/")), "mount-points"), "a") as f:
            f.write(d + "\n")


def main():
    if len(sys.argv) < 6:
        fail(__doc__)
    rendered, target, pod, node, action = sys.argv[1:6]
    kind, name = target.split("/", 1)
    docs = load(rendered)
    workload = find(docs, kind, name)
    container = workload["spec"]["template"]["spec"]["containers"][0]
    if action == "run":
        command = container["command"] + container.get("args", [])
    elif action == "probe":
        probe = container.get(f"{sys.argv[6]}Probe") or fail(f"no {sys.argv[6]} probe")
        command = probe.get("exec", {}).get("command") or fail("only exec probes run here")
    elif action == "exec" and sys.argv[6] == "--":
        command = sys.argv[7:]
    else:
        fail(__doc__)

    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent"}
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if var in os.environ:
            env[var] = os.environ[var]
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
        elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name":
            env[e["name"]] = pod
        else:
            fail(f"env {e['name']}: only values and metadata.name are simulated")

    dirs = volume_dirs(docs, workload, pod, node)
    # /tmp last: the node's directories may be under the host's /tmp.
    mounts = sorted(container.get("volumeMounts", []), key=lambda m: m["mountPath"] == "/tmp")
    script = ["set -e"]
    for m in mounts:
        source, target_dir = dirs[m["name"]], m["mountPath"]
        make_mount_point(target_dir, node)
        script.append(f'mount --bind "{source}" "{target_dir}"')
        if m.get("readOnly"):
            script.append(f'mount -o remount,bind,ro "{target_dir}"')
    script.append('exec "$@"')
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", "--",
                           "/bin/sh", "-c", "\n".join(script), "pod"] + command, env)


if __name__ == "__main__":
    main()
