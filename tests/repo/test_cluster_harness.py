"""The cluster harness (tests/cluster/) builds what the default profile names.

tests/cluster/build.sh stops on a mismatch too, but only on a machine with Go; this catches a
profile bump that forgot the wrapper modules before anything is built.
"""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "tests" / "cluster" / "modules"
# the staging modules k8s.io/kubernetes replaces with ./staging/src/... at v1.32
STAGING = (
    "api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider "
    "cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api "
    "cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms "
    "kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics "
    "mount-utils pod-security-admission sample-apiserver"
).split()


def profile():
    for path in (ROOT / "roles" / "common" / "defaults" / "main.yml",
                 ROOT / "roles" / "artifact" / "defaults" / "main.yml"):
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if "meshlab_profiles" in data:
                return data["meshlab_profiles"]["default"]
    raise AssertionError("no meshlab_profiles in the role defaults")


def gomod(name):
    text = (MODULES / name / "go.mod").read_text(encoding="utf-8")
    requires = dict(re.findall(r"^(?:require\s+)?\t?(\S+) (v\S+)(?: // indirect)?$", text, re.M))
    replaces = dict(re.findall(r"^\t?(?:replace\s+)?(\S+) => \S+ (v\S+)$", text, re.M))
    return text, requires, replaces


def test_kubernetes_wrapper_matches_profile():
    version = profile()["kubernetes"]
    text, requires, replaces = gomod("kubernetes")
    assert requires["k8s.io/kubernetes"] == version
    staging = "v0." + version.split(".", 1)[1]
    assert {m: replaces.get("k8s.io/" + m) for m in STAGING} == {m: staging for m in STAGING}
    # upstream's language version and GODEBUG defaults, kept as k8s.io/kubernetes sets them
    assert re.search(r"^go 1\.23\.0$", text, re.M)
    assert re.search(r"^godebug default=go1\.23$", text, re.M)


def test_helm_wrapper_matches_profile():
    requires = gomod("helm")[1]
    assert requires["helm.sh/helm/v3"] == profile()["helm"]


def test_every_wrapper_has_a_go_sum():
    for mod in MODULES.iterdir():
        assert (mod / "go.sum").is_file(), f"{mod.name}: go.sum missing (run go mod tidy)"
