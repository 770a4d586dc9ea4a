# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host state of the port-forward units (entry point common/port_forward, used by monitoring, viz and
emojivoto) and the rendered monitoring files. Render-only mode: no cluster can run here, so the
units are written and enabled but never started, and no socket is listening to test."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from meshlab_testinfra import assert_file, assert_unit, molecule_hosts

testinfra_hosts = molecule_hosts()

UNITS = {'grafana': 3000, 'prometheus': 9090}


@pytest.mark.parametrize('name', sorted(UNITS))
def test_unit_file_root_owned_and_loopback_only(host, name):
    unit = assert_file(host, '/etc/systemd/system/meshlab-%s.service' % name, 0o644).content_string
    lines = unit.splitlines()
    assert 'User=student' in lines
    assert 'Environment=KUBECONFIG=/home/student/.kube/config' in lines
    exec_start = [line for line in lines if line.startswith('ExecStart=')]
    assert exec_start == ['ExecStart=/usr/local/bin/kubectl port-forward --address 127.0.0.1 --namespace monitoring '
                          'service/%s %d:80' % (exec_start[0].split('service/')[1].split()[0], UNITS[name])]
    assert 'Restart=always' in lines and 'WantedBy=multi-user.target' in lines


@pytest.mark.parametrize('name', sorted(UNITS))
def test_unit_is_enabled_and_known_to_systemd(host, name):
    assert_unit(host, 'meshlab-%s' % name, running=False)
    # systemd loaded the file the role wrote (daemon-reload happened)
    assert host.check_output('systemctl show -P FragmentPath meshlab-%s.service', name) == \
        '/etc/systemd/system/meshlab-%s.service' % name


def test_rendered_manifests_are_root_owned(host):
    d = host.file('/var/lib/meshlab/manifests/monitoring')
    assert d.is_directory and d.user == 'root'
    for name in ['namespace.yaml', 'prometheus-values.yaml', 'grafana-values.yaml', 'grafana-dashboards.yaml']:
        f = host.file('/var/lib/meshlab/manifests/monitoring/%s' % name)
        assert f.is_file and f.user == 'root', name
