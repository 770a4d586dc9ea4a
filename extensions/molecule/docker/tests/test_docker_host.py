# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host state after meshlab.linkerd.docker (converge.yml: docker.io, mirror, log options, student)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from meshlab_testinfra import assert_file, assert_unit, molecule_hosts

testinfra_hosts = molecule_hosts()


def test_docker_io_from_debian_is_installed(host):
    assert host.package('docker.io').is_installed
    assert not host.package('docker-ce').is_installed


def test_docker_is_active_and_enabled(host):
    assert_unit(host, 'docker')


def test_daemon_json_holds_the_role_settings(host):
    f = assert_file(host, '/etc/docker/daemon.json', 0o644)
    config = json.loads(f.content_string)
    assert config['registry-mirrors'] == ['http://registry-mirror.classroom.invalid:5000']
    assert config['log-driver'] == 'json-file'
    assert config['log-opts'] == {'max-size': '5m', 'max-file': '2'}
    assert config['live-restore'] is True


def test_docker_socket_is_a_unix_socket_of_group_docker(host):
    sock = host.file('/run/docker.sock')
    assert sock.is_socket
    assert (sock.user, sock.group, sock.mode) == ('root', 'docker', 0o660)
    # no TCP listener: the daemon is only reachable through the socket
    assert not [s for s in host.socket.get_listening_sockets() if s.endswith((':2375', ':2376'))]


def test_student_is_in_the_docker_group(host):
    assert 'docker' in host.user('student').groups


def test_the_engine_answers(host):
    out = host.check_output("docker info --format '{{ .ServerVersion }}'")
    assert out.strip()
