# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.meshlab.linkerd.plugins.filter.cluster import cluster_api_error, cluster_not_ready

# what kubernetes.core.k8s_info said against the harness (tests/cluster/mesh: fault-api-down,
# fault-nowhere, fault-rejected), shortened
REFUSED = {'failed': True, 'msg': "Failed to get client due to HTTPSConnectionPool(host='172.17.0.1', port=36443): "
                                  "Max retries exceeded with url: /version (Caused by NewConnectionError('<urllib3."
                                  "connection.HTTPSConnection object>: Failed to establish a new connection: [Errno 111] "
                                  "Connection refused'))"}
REJECTED = {'failed': True, 'msg': 'Failed to get client due to (401)\nReason: Unauthorized\nHTTP response body: '
                                   '{"kind":"Status","message":"Unauthorized","reason":"Unauthorized","code":401}'}
UNRESOLVED = {'failed': True, 'msg': "HTTPSConnectionPool(host='cluster.invalid', port=6443): Max retries exceeded "
                                     "(Caused by NameResolutionError(\"Failed to resolve: [Errno -2] Name or service not known\"))"}


def node(name, ready='True'):
    return {'metadata': {'name': name}, 'status': {'conditions': [{'type': 'Ready', 'status': ready}]}}


def pod(name, phase='Running', ready=True):
    return {'metadata': {'name': name}, 'status': {'phase': phase, 'containerStatuses': [{'name': 'coredns', 'ready': ready}]}}


def test_refused_names_the_address():
    e = cluster_api_error(REFUSED)
    assert e['text'] == 'does not answer (172.17.0.1:36443: connection refused)'
    assert not e['rejected']


def test_rejected_user_is_not_a_network_error():
    e = cluster_api_error(REJECTED)
    assert e['text'] == 'rejects its user (401 Unauthorized)' and e['rejected']
    assert cluster_api_error('(403)\nReason: Forbidden')['status'] == '403 Forbidden'


def test_unresolved_and_unknown():
    assert cluster_api_error(UNRESOLVED)['text'] == 'does not answer (cluster.invalid:6443: name not resolved)'
    assert cluster_api_error({})['text'] == 'does not answer (no address)'
    assert cluster_api_error(None)['rejected'] is False
    # a port number containing 401 is no status
    assert not cluster_api_error("HTTPSConnectionPool(host='h', port=34015): Connection refused")['rejected']


def test_ready_cluster_says_nothing():
    assert cluster_not_ready({'resources': [node('n1')]}, {'resources': [pod('coredns-1')]}) == ''


def test_api_down_and_no_nodes():
    assert cluster_not_ready({'failed': True, 'msg': 'refused'}) == 'the Kubernetes API did not answer (refused)'
    assert cluster_not_ready(None).startswith('the Kubernetes API did not answer')
    assert cluster_not_ready({'resources': []}) == 'no node is registered'


def test_nodes_not_ready_are_named():
    nodes = {'resources': [node('b', 'False'), node('a'), {'metadata': {'name': 'c'}, 'status': {}}]}
    assert cluster_not_ready(nodes, {'resources': []}) == 'nodes not Ready: b, c'


def test_coredns_missing_or_not_running():
    nodes = {'resources': [node('n1')]}
    assert cluster_not_ready(nodes, {'resources': []}) == \
        'CoreDNS does not run: no pod labelled k8s-app=kube-dns in namespace kube-system'
    assert cluster_not_ready(nodes, None) == 'CoreDNS could not be read (no answer)'
    assert cluster_not_ready(nodes, {'resources': [pod('dns-2', ready=False), pod('dns-1', 'Pending')]}) == \
        'CoreDNS does not run: dns-1 is Pending, dns-2 has no ready container'
    assert cluster_not_ready(nodes, {'resources': [pod('dns-1', 'Pending'), pod('dns-2')]}) == ''
