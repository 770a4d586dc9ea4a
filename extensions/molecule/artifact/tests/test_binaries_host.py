# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host state after the binary roles cli, helm, kubectl and minikube (converge + idempotence),
before behaviour.yml's side runs. The binaries are STAND-INs served by the scenario's counting
HTTP server (files/make_standins.py): they answer `version` and `completion bash` like the real ones."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from meshlab_testinfra import assert_file, installed_versions, molecule_hosts

testinfra_hosts = molecule_hosts('lab')

# command -> arguments that print its version (as the roles ask)
COMMANDS = {
    'linkerd': 'version --client --short',
    'helm': 'version --short',
    'kubectl': 'version --client',
    'minikube': 'version --short',
}


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_one_version_installed_root_owned_0755(host, name):
    versions = installed_versions(host, name)
    assert len(versions) == 1, 'expected one version of %s, found %s' % (name, versions)
    assert_file(host, '/opt/meshlab/%s/%s/%s' % (name, versions[0], name), 0o755)
    assert host.file('/opt/meshlab/%s/%s' % (name, versions[0])).mode == 0o755


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_stable_symlink_points_at_the_version(host, name):
    version = installed_versions(host, name)[0]
    link = host.file('/usr/local/bin/%s' % name)
    assert link.is_symlink
    assert link.linked_to == '/opt/meshlab/%s/%s/%s' % (name, version, name)


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_command_answers_its_version(host, name):
    version = installed_versions(host, name)[0]
    out = host.check_output('/usr/local/bin/%s %s' % (name, COMMANDS[name]))
    assert version in out


@pytest.mark.parametrize('name', sorted(COMMANDS))
def test_bash_completion_is_what_the_command_renders(host, name):
    f = assert_file(host, '/etc/bash_completion.d/%s' % name, 0o644)
    rendered = host.check_output('/usr/local/bin/%s completion bash' % name)
    assert f.content_string.strip() == rendered.strip()


def test_nothing_downloaded_on_the_host_in_controller_mode(host):
    assert not host.file('/var/cache/meshlab/downloads').exists
