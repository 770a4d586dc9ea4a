# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.filter.linkerd import (
    FilterModule, linkerd_has_sha256_files, linkerd_info, linkerd_line)

# The table of roles/common/defaults/main.yml (meshlab_linkerd_compat), as the roles pass it.
COMPAT = {
    '2.14': {'first_edge': '', 'k8s_min': '1.21', 'k8s_max': '1.28', 'gateway_api_crds_first': False, 'retries': 'serviceprofile'},
    '2.18': {'first_edge': 'edge-25.4.4', 'k8s_min': '1.22', 'k8s_max': '1.32', 'gateway_api_crds_first': False, 'retries': 'annotations'},
    '2.19': {'first_edge': 'edge-25.10.7', 'k8s_min': '1.22', 'k8s_max': '1.35', 'gateway_api_crds_first': True, 'retries': 'annotations'},
    '2.20': {'first_edge': 'edge-26.6.3', 'k8s_min': '1.31', 'k8s_max': '1.35', 'gateway_api_crds_first': True, 'retries': 'annotations'},
}
LAST_SHA = 'edge-25.9.3'


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert filters['linkerd_line'] is linkerd_line
    assert filters['linkerd_info'] is linkerd_info


class TestLine(object):
    @pytest.mark.parametrize('version,line', [
        ('stable-2.14.10', '2.14'),
        ('stable-2.14.0', '2.14'),
        (' stable-2.14.10 ', '2.14'),
    ])
    def test_stable(self, version, line):
        assert linkerd_line(version, COMPAT) == line

    @pytest.mark.parametrize('version,line', [
        ('edge-25.4.4', '2.18'),    # first edge of 2.18, inclusive
        ('edge-25.10.6', '2.18'),   # 25.10.6 < 25.10.7: numeric, not string order
        ('edge-25.9.3', '2.18'),
        ('edge-25.10.7', '2.19'),
        ('edge-26.6.2', '2.19'),
        ('edge-26.6.3', '2.20'),
        ('edge-26.8.3', '2.20'),
        ('edge-27.1.1', '2.20'),    # newer than every first edge: the newest line
    ])
    def test_edge_by_first_edge(self, version, line):
        assert linkerd_line(version, COMPAT) == line

    @pytest.mark.parametrize('version', [
        'stable-2.13.7',   # a line the table does not know
        'stable-2.15.1',
        'edge-25.4.3',     # older than the first edge of every line
        'edge-24.2.4',
        'edge-26.8',       # malformed
        'edge-26.8.3-rc1',
        '2.20',
        'v1.32.4',
        'latest',
        '',
        None,
        26,
    ])
    def test_unknown(self, version):
        assert linkerd_line(version, COMPAT) == ''

    def test_line_order_is_numeric(self):
        compat = {'2.9': {'first_edge': 'edge-20.1.1'}, '2.10': {'first_edge': 'edge-21.1.1'}}
        assert linkerd_line('edge-21.5.1', compat) == '2.10'
        assert linkerd_line('edge-20.5.1', compat) == '2.9'

    @pytest.mark.parametrize('compat,needle', [
        (['2.20'], 'must be a dict'),
        ({'two': {'first_edge': ''}}, 'not a Linkerd line'),
        ({'2.20': 'edge-26.6.3'}, 'entry 2.20 must be a dict'),
        ({'2.20': {'first_edge': '26.6.3'}}, 'first_edge of 2.20'),
    ])
    def test_malformed_table(self, compat, needle):
        with pytest.raises(AnsibleFilterError, match=needle):
            linkerd_line('edge-26.8.3', compat)


class TestSha256Files(object):
    @pytest.mark.parametrize('version,expected', [
        ('stable-2.14.10', True),
        ('stable-2.13.1', True),
        ('edge-25.9.2', True),
        ('edge-25.9.3', True),     # the boundary is inclusive
        ('edge-25.9.4', False),
        ('edge-25.10.1', False),   # 10 > 9 numerically
        ('edge-26.8.3', False),
        ('edge-24.11.8', True),
        ('nonsense', False),
        (None, False),
    ])
    def test_boundary(self, version, expected):
        assert linkerd_has_sha256_files(version, LAST_SHA) is expected

    @pytest.mark.parametrize('last', ['25.9.3', '', None, 'stable-2.14.10'])
    def test_malformed_boundary(self, last):
        with pytest.raises(AnsibleFilterError, match='edge-25.9.3'):
            linkerd_has_sha256_files('edge-26.8.3', last)


class TestInfo(object):
    def test_edge(self):
        info = linkerd_info('edge-26.8.3', COMPAT, LAST_SHA)
        assert info == dict(COMPAT['2.20'], line='2.20', sha256_files=False)

    def test_stable(self):
        info = linkerd_info('stable-2.14.10', COMPAT, LAST_SHA)
        assert info['line'] == '2.14'
        assert info['k8s_max'] == '1.28'
        assert info['retries'] == 'serviceprofile'
        assert info['sha256_files'] is True

    def test_boundary_edge(self):
        assert linkerd_info('edge-25.9.3', COMPAT, LAST_SHA) == dict(COMPAT['2.18'], line='2.18', sha256_files=True)

    def test_unknown(self):
        assert linkerd_info('stable-2.13.7', COMPAT, LAST_SHA) == {'line': '', 'sha256_files': True}
        assert linkerd_info('garbage', COMPAT, LAST_SHA) == {'line': '', 'sha256_files': False}

    def test_table_is_not_modified(self):
        linkerd_info('edge-26.8.3', COMPAT, LAST_SHA)
        assert 'line' not in COMPAT['2.20']
