# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.filter.linkerd import (
    linkerd_installed, linkerd_plan, linkerd_pods_waiting, linkerd_version_key)

CONFIG_VALUES = 'cniEnabled: false\nlinkerdVersion: edge-26.8.3\nproxyInit:\n  runAsRoot: true\n'


def configmap(values=None, annotations=None, labels=None):
    obj = {'apiVersion': 'v1', 'kind': 'ConfigMap',
           'metadata': {'name': 'linkerd-config', 'namespace': 'linkerd',
                        'annotations': annotations or {}, 'labels': labels or {}}}
    if values is not None:
        obj['data'] = {'values': values}
    return obj


class TestInstalled(object):
    def test_nothing(self):
        assert linkerd_installed([]) == {'version': '', 'installer': ''}
        assert linkerd_installed(None) == {'version': '', 'installer': ''}

    def test_values_of_linkerd_config(self):
        assert linkerd_installed([configmap(CONFIG_VALUES)]) == {'version': 'edge-26.8.3', 'installer': 'cli'}

    def test_created_by_annotation(self):
        cm = configmap(annotations={'linkerd.io/created-by': 'linkerd/cli stable-2.14.10'})
        assert linkerd_installed(cm) == {'version': 'stable-2.14.10', 'installer': 'cli'}

    def test_helm(self):
        cm = configmap(CONFIG_VALUES, labels={'app.kubernetes.io/managed-by': 'Helm'})
        assert linkerd_installed(cm)['installer'] == 'helm'
        cm = configmap(annotations={'linkerd.io/created-by': 'linkerd/helm edge-26.8.3'})
        assert linkerd_installed(cm) == {'version': 'edge-26.8.3', 'installer': 'helm'}

    def test_broken_values_fall_back(self):
        cm = configmap('{{{ not yaml', annotations={'linkerd.io/created-by': 'linkerd/cli edge-26.8.3'})
        assert linkerd_installed(cm)['version'] == 'edge-26.8.3'

    def test_not_an_object(self):
        with pytest.raises(AnsibleFilterError):
            linkerd_installed('linkerd-config')


class TestVersionKey(object):
    @pytest.mark.parametrize('older,newer', [
        ('edge-26.8.2', 'edge-26.8.3'),
        ('edge-25.12.9', 'edge-26.1.1'),
        ('edge-26.6.3', 'edge-26.10.1'),
        ('stable-2.14.9', 'stable-2.14.10'),
        ('stable-2.13.7', 'stable-2.14.1'),
        ('stable-2.14.10', 'edge-24.2.4'),
        ('edge-24.2.3', 'stable-2.14.10'),
    ])
    def test_order(self, older, newer):
        assert linkerd_version_key(older) < linkerd_version_key(newer)

    @pytest.mark.parametrize('junk', ['dev-undefined', '', 'v2.14.10', None, 'edge-26.8'])
    def test_not_a_release(self, junk):
        assert linkerd_version_key(junk) is None


class TestPlan(object):
    def test_install_on_empty_cluster(self):
        plan = linkerd_plan('', 'edge-26.8.3')
        assert plan['action'] == 'install'

    def test_same_version_is_skipped(self):
        assert linkerd_plan('edge-26.8.3', 'edge-26.8.3')['action'] == 'skip'
        assert linkerd_plan('edge-26.8.3', 'edge-26.8.3', 'abc', 'abc')['action'] == 'skip'

    def test_same_version_new_settings_upgrades(self):
        plan = linkerd_plan('edge-26.8.3', 'edge-26.8.3', 'abc', 'def')
        assert plan['action'] == 'upgrade'
        assert 'other settings' in plan['reason']

    def test_newer_upgrades(self):
        assert linkerd_plan('edge-26.6.3', 'edge-26.8.3')['action'] == 'upgrade'
        assert linkerd_plan('stable-2.14.10', 'edge-26.8.3')['action'] == 'upgrade'

    def test_older_is_refused_unless_allowed(self):
        plan = linkerd_plan('edge-26.8.3', 'stable-2.14.10')
        assert plan['action'] == 'downgrade'
        assert 'newer than the wanted' in plan['reason']
        assert linkerd_plan('edge-26.8.3', 'stable-2.14.10', allow_downgrade=True)['action'] == 'upgrade'

    def test_unknown_versions(self):
        assert linkerd_plan('dev-undefined', 'edge-26.8.3')['action'] == 'unknown'

    def test_helm_install_is_not_touched_by_the_cli(self):
        plan = linkerd_plan({'version': 'edge-26.8.3', 'installer': 'helm'}, 'edge-26.8.3')
        assert plan['action'] == 'unknown'
        assert 'Helm' in plan['reason']

    def test_takes_linkerd_installed_output(self):
        plan = linkerd_plan(linkerd_installed([configmap(CONFIG_VALUES)]), 'edge-26.8.3')
        assert plan == {'action': 'skip', 'installed': 'edge-26.8.3', 'desired': 'edge-26.8.3',
                        'installer': 'cli', 'reason': 'edge-26.8.3 is installed with these settings'}

    def test_needs_desired(self):
        with pytest.raises(AnsibleFilterError):
            linkerd_plan('', '')


def pod(name, containers=('app',), init=(), ready=True, deleting=False):
    meta = {'name': name}
    if deleting:
        meta['deletionTimestamp'] = '2026-12-03T08:00:00Z'
    return {'metadata': meta,
            'spec': {'containers': [{'name': c} for c in containers], 'initContainers': [{'name': c} for c in init]},
            'status': {'conditions': [{'type': 'Ready', 'status': 'True' if ready else 'False'}]}}


class TestPodsWaiting(object):
    def test_meshed_and_ready(self):
        pods = [pod('web-1', ('web', 'linkerd-proxy')), pod('emoji-1', ('emoji',), init=('linkerd-init', 'linkerd-proxy'))]
        assert linkerd_pods_waiting(pods) == {'pods': 2, 'unmeshed': [], 'not_ready': []}

    def test_kwok_pods_ready_but_not_injected(self):
        # what a kwok node reports: Ready, no proxy container
        pods = [pod('web-1', ('web-svc',)), pod('vote-bot-1', ('vote-bot',), ready=False)]
        assert linkerd_pods_waiting(pods) == {'pods': 2, 'unmeshed': ['vote-bot-1', 'web-1'], 'not_ready': ['vote-bot-1']}

    def test_deleting_pods_left_out(self):
        assert linkerd_pods_waiting([pod('old', deleting=True)]) == {'pods': 0, 'unmeshed': [], 'not_ready': []}

    def test_other_container_name(self):
        assert linkerd_pods_waiting([pod('a', ('sidecar',))], container='sidecar')['unmeshed'] == []

    def test_not_a_list(self):
        with pytest.raises(AnsibleFilterError, match='list of Pod'):
            linkerd_pods_waiting({'kind': 'Pod'})
