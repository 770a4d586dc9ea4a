# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a host must look like after a role, for the pytest-testinfra verifiers of the molecule
scenarios (extensions/molecule/<scenario>/tests/). Each helper fails with what differs and, for a
unit, the tail of its journal. Molecule puts this directory on PYTHONPATH (extensions/molecule/config.yml).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import testinfra.utils.ansible_runner


def molecule_hosts(*groups):
    """The hosts of these groups (default all) of the scenario's inventory; testinfra reaches them
    over `docker exec`. Groups are names or fnmatch patterns, not Ansible patterns (no `a:b`).
    None found is an error: an empty list would make pytest skip every test."""
    runner = testinfra.utils.ansible_runner.AnsibleRunner(os.environ['MOLECULE_INVENTORY_FILE'])
    hosts = sorted(set(h for group in (groups or ('all',)) for h in runner.get_hosts(group)))
    if not hosts:
        raise RuntimeError('no host of %s in %s' % (', '.join(groups or ('all',)), os.environ['MOLECULE_INVENTORY_FILE']))
    return hosts


def journal(host, unit, lines=40):
    return host.run('journalctl --no-pager -n %s -u %s', str(lines), unit).stdout


def assert_unit(host, unit, running=True, enabled=True):
    """The unit is active and enabled (or, with running=False, only enabled); else fail with its journal."""
    service = host.service(unit)
    problems = []
    if running and not service.is_running:
        problems.append('not running')
    if enabled and not service.is_enabled:
        problems.append('not enabled')
    if problems:
        where = host.backend.get_hostname()
        pytest.fail('%s on %s is %s. Journal:\n%s' % (unit, where, ' and '.join(problems), journal(host, unit)))


def assert_file(host, path, mode, user='root', group='root', contains=()):
    """A regular file with owner, group and mode (an int, e.g. 0o600), holding each of contains."""
    f = host.file(path)
    assert f.is_file, '%s is missing' % path
    assert (f.user, f.group, f.mode) == (user, group, mode), \
        '%s is %s:%s %04o, expected %s:%s %04o' % (path, f.user, f.group, f.mode, user, group, mode)
    for text in contains:
        assert f.contains(text), '%s does not contain %r' % (path, text)
    return f


def installed_versions(host, name, root='/opt/meshlab'):
    """The version directories of <root>/<name>/ on the host."""
    out = host.run('ls -1 %s', '%s/%s' % (root, name))
    return out.stdout.split() if out.rc == 0 else []


def in_group(host, group):
    """The host (its inventory name) is in the scenario inventory's group."""
    return host.backend.get_hostname() in molecule_hosts(group)
