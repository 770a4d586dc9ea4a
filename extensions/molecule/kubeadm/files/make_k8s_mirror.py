"""Build a signed, flat apt repository of STAND-IN kubelet/kubeadm/kubectl packages.

Test fixture of the molecule scenario `kubeadm` (pkgs.k8s.io is unreachable here). The packages
are tiny shell scripts, clearly named stand-ins; the kubeadm one records its argv to
/var/log/meshlab-kubeadm-standin.log and fakes the files `init` / `join` leave behind.

Usage: make_k8s_mirror.py OUTDIR VERSION REVISION [EXTRA_VERSION]
Layout (same as pkgs.k8s.io): OUTDIR/v<major.minor>/deb/{Release,InRelease,Release.gpg,Release.key,Packages,*.deb}
EXTRA_VERSION: also publish kubeadm/kubelet/kubectl at this newer version, to prove the apt pin holds.
"""
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

KUBEADM = r"""#!/bin/sh
# MESHLAB TEST STAND-IN for kubeadm @VERSION@ - not Kubernetes. Records argv, fakes files.
umask 077
printf '%s\n' "$*" >> /var/log/meshlab-kubeadm-standin.log
fake_kubeconfig() {
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: meshlab
  cluster: {server: "https://192.0.2.10:6443"}
contexts:
- name: meshlab-standin
  context: {cluster: meshlab, user: standin}
current-context: meshlab-standin
users:
- name: standin
  user: {token: "stand-in-not-a-secret"}
EOF
}
case "$1" in
  version)
    if [ "$2" = "-o" ] && [ "$3" = "short" ]; then echo "v@VERSION@"; else echo "kubeadm version: v@VERSION@ (meshlab stand-in)"; fi ;;
  config)
    [ "$2" = "validate" ] && [ "$3" = "--config" ] && grep -q '^kind: InitConfiguration$' "$4" || { echo "stand-in: invalid config" >&2; exit 1; } ;;
  init)
    mkdir -p /etc/kubernetes/manifests /etc/kubernetes/pki
    for f in admin.conf super-admin.conf kubelet.conf controller-manager.conf scheduler.conf; do fake_kubeconfig /etc/kubernetes/$f; done
    echo "Your Kubernetes control-plane has initialized successfully! (stand-in)" ;;
  join)
    mkdir -p /etc/kubernetes/pki
    fake_kubeconfig /etc/kubernetes/kubelet.conf
    echo "This node has joined the cluster (stand-in)" ;;
  token)
    case " $* " in
      *" create "*"--print-join-command"*)
        echo "kubeadm join 192.0.2.10:6443 --token abcdef.0123456789abcdef" \
          "--discovery-token-ca-cert-hash sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" ;;
      *) echo "stand-in: unsupported token call" >&2; exit 1 ;;
    esac ;;
  reset)
    rm -rf /etc/kubernetes/manifests /etc/kubernetes/pki /etc/kubernetes/*.conf /var/lib/kubelet/*
    echo "reset done (stand-in)" ;;
  *) echo "stand-in kubeadm: unsupported command $1" >&2; exit 1 ;;
esac
"""

KUBECTL = """#!/bin/sh
# MESHLAB TEST STAND-IN for kubectl @VERSION@ - not Kubernetes.
echo "Client Version: v@VERSION@ (meshlab stand-in)"
"""

KUBELET = """#!/bin/sh
# MESHLAB TEST STAND-IN for kubelet @VERSION@ - not Kubernetes.
if [ "$1" = "--version" ]; then echo "Kubernetes v@VERSION@ (meshlab stand-in)"; exit 0; fi
exec sleep infinity
"""

KUBELET_UNIT = """[Unit]
Description=MESHLAB TEST STAND-IN kubelet
[Service]
ExecStart=/usr/bin/kubelet
Restart=always
[Install]
WantedBy=multi-user.target
"""


def build_deb(workdir, name, version, files):
    root = os.path.join(workdir, "%s-%s" % (name, version))
    os.makedirs(os.path.join(root, "DEBIAN"))
    for path, (content, mode) in files.items():
        full = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(content)
        os.chmod(full, mode)
    with open(os.path.join(root, "DEBIAN", "control"), "w", encoding="utf-8") as f:
        f.write("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: meshlab tests <tests@meshlab.invalid>\n"
                "Section: admin\nPriority: optional\nDescription: MESHLAB TEST STAND-IN for %s\n"
                " Records its arguments; not Kubernetes. Built by extensions/molecule/kubeadm.\n" % (name, version, name))
    deb = os.path.join(workdir, "%s_%s_all.deb" % (name, version))
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, deb], check=True, stdout=subprocess.DEVNULL)
    return deb


def main():
    outdir, version, revision = sys.argv[1:4]
    extra = sys.argv[4] if len(sys.argv) > 4 else ""
    minor = ".".join(version.split(".")[:2])
    repo = os.path.join(outdir, "v%s" % minor, "deb")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(repo)
    with tempfile.TemporaryDirectory() as work:
        for ver in [v for v in (version, extra) if v]:
            full = "%s-%s" % (ver, revision)
            build_deb(work, "kubeadm", full, {"/usr/bin/kubeadm": (KUBEADM.replace("@VERSION@", ver), 0o755)})
            build_deb(work, "kubectl", full, {"/usr/bin/kubectl": (KUBECTL.replace("@VERSION@", ver), 0o755)})
            build_deb(work, "kubelet", full, {"/usr/bin/kubelet": (KUBELET.replace("@VERSION@", ver), 0o755),
                                              "/lib/systemd/system/kubelet.service": (KUBELET_UNIT, 0o644)})
        for f in os.listdir(work):
            if f.endswith(".deb"):
                shutil.copy(os.path.join(work, f), repo)
    packages = subprocess.run(["dpkg-scanpackages", "--multiversion", "."], cwd=repo, check=True,
                              capture_output=True, text=True).stdout
    with open(os.path.join(repo, "Packages"), "w", encoding="utf-8") as f:
        f.write(packages)
    with gzip.open(os.path.join(repo, "Packages.gz"), "wt", encoding="utf-8") as f:
        f.write(packages)
    lines = ["Origin: meshlab-test-mirror", "Label: MESHLAB TEST STAND-IN of pkgs.k8s.io v%s" % minor,
             "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime()), "Architectures: amd64 arm64 all"]
    for title, algo in (("MD5Sum", hashlib.md5), ("SHA256", hashlib.sha256)):
        lines.append("%s:" % title)
        for name in ("Packages", "Packages.gz"):
            data = open(os.path.join(repo, name), "rb").read()
            lines.append(" %s %d %s" % (algo(data).hexdigest(), len(data), name))
    with open(os.path.join(repo, "Release"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with tempfile.TemporaryDirectory() as home:
        gpg = ["gpg", "--homedir", home, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""]
        subprocess.run(gpg + ["--quick-gen-key", "meshlab throwaway test key <tests@meshlab.invalid>", "ed25519", "sign", "1d"],
                       check=True, capture_output=True)
        subprocess.run(gpg + ["--clearsign", "-o", os.path.join(repo, "InRelease"), os.path.join(repo, "Release")],
                       check=True, capture_output=True)
        subprocess.run(gpg + ["-abs", "-o", os.path.join(repo, "Release.gpg"), os.path.join(repo, "Release")],
                       check=True, capture_output=True)
        key = subprocess.run(gpg + ["--armor", "--export"], check=True, capture_output=True).stdout
    with open(os.path.join(repo, "Release.key"), "wb") as f:
        f.write(key)
    print(repo)


if __name__ == "__main__":
    main()
