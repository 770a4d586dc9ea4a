# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host state after meshlab.linkerd.kubeadm: a Debian 12 control plane and a Debian 13 worker.
The kubelet/kubeadm/kubectl packages are STAND-INs from the scenario's signed local mirror
(pkgs.k8s.io is unreachable); containerd is Debian's real package and really runs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from meshlab_testinfra import assert_file, assert_unit, in_group, molecule_hosts

testinfra_hosts = molecule_hosts('kube_control_plane', 'kube_workers')

K8S = ['kubelet', 'kubeadm', 'kubectl']


@pytest.mark.parametrize('name', K8S)
def test_kubernetes_packages_pinned_and_held(host, name):
    pkg = host.package(name)
    assert pkg.is_installed and pkg.version == '1.32.4-1.1'
    assert host.check_output('dpkg --get-selections %s', name).split() == [name, 'hold']


def test_apt_prefers_the_pinned_version_over_a_newer_one(host):
    policy = host.check_output('apt-cache policy kubeadm')
    assert 'Candidate: 1.32.4-1.1' in policy and '1.32.99-1.1' in policy


def test_repository_is_deb822_with_its_own_keyring(host):
    f = assert_file(host, '/etc/apt/sources.list.d/kubernetes.sources', 0o644)
    lines = f.content_string.splitlines()
    assert 'URIs: file:///srv/meshlab-k8s-mirror/v1.32/deb/' in lines
    assert 'Suites: /' in lines
    assert 'Signed-By: /etc/apt/keyrings/kubernetes-apt-keyring.asc' in lines
    assert host.file('/etc/apt/keyrings/kubernetes-apt-keyring.asc').is_file
    pref = assert_file(host, '/etc/apt/preferences.d/kubernetes.pref', 0o644)
    assert 'Package: kubelet kubeadm kubectl\nPin: version 1.32.4-1.1\nPin-Priority: 1001' in pref.content_string


def test_containerd_runs_with_the_systemd_cgroup_driver(host):
    assert host.package('containerd').is_installed
    assert_unit(host, 'containerd')
    config = assert_file(host, '/etc/containerd/config.toml', 0o644).content_string
    assert 'version = 2' in config.splitlines()
    assert ('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n'
            '  SystemdCgroup = true') in config
    assert 'sandbox_image = "registry.k8s.io/pause:3.10"' in config
    assert host.socket('unix:///run/containerd/containerd.sock').is_listening


def test_kubelet_is_enabled(host):
    # kubelet only runs once kubeadm init/join wrote its config; enabled is what the role owes
    assert_unit(host, 'kubelet', running=False)


def test_kernel_settings_files(host):
    modules = assert_file(host, '/etc/modules-load.d/kubernetes.conf', 0o644).content_string
    assert modules.splitlines()[1:] == ['overlay', 'br_netfilter']
    sysctl = assert_file(host, '/etc/sysctl.d/99-kubernetes.conf', 0o644).content_string
    assert sysctl.splitlines()[1:] == ['net.bridge.bridge-nf-call-iptables = 1',
                                       'net.bridge.bridge-nf-call-ip6tables = 1', 'net.ipv4.ip_forward = 1']


def test_swap_is_off_in_fstab(host):
    fstab = host.file('/etc/fstab').content_string
    assert '# /swapfile none swap sw 0 0  # disabled by meshlab.linkerd.kubeadm' in fstab.splitlines()
    assert not [line for line in fstab.splitlines() if line.startswith('/swapfile')]


def test_control_plane_lab_kubeconfig_is_private(host):
    if not in_group(host, 'kube_control_plane'):
        pytest.skip('control plane only')
    assert_file(host, '/home/student/.kube/config', 0o600, user='student', group='student')


def test_control_plane_cluster_virtualenv(host):
    if not in_group(host, 'kube_control_plane'):
        pytest.skip('control plane only')
    assert host.check_output('/opt/meshlab/k8s-venv/bin/python -c "import kubernetes; print(kubernetes.__version__)"') == '31.0.0'


def test_worker_has_no_control_plane_files(host):
    if not in_group(host, 'kube_workers'):
        pytest.skip('worker only')
    assert host.file('/etc/kubernetes/kubelet.conf').exists
    for path in ['/etc/kubernetes/kubeadm-config.yaml', '/etc/kubernetes/admin.conf']:
        assert not host.file(path).exists, path
