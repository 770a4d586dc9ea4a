# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The scrape jobs, run through Prometheus' relabel semantics against the ports each Linkerd line has."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.filter.monitoring import linkerd_scrape_configs

# Container port names of the control-plane and viz pods (names from linkerd2's charts:
# charts/linkerd-control-plane/templates/*.yaml, viz/charts/linkerd-viz/templates/*.yaml, the proxy
# partial), as (namespace, container, port).
EDGE_26_8_3 = [
    ('linkerd', 'destination', 'grpc'), ('linkerd', 'destination', 'dest-admin'),
    ('linkerd', 'sp-validator', 'sp-validator'), ('linkerd', 'sp-validator', 'spval-admin'),
    ('linkerd', 'policy', 'grpc'), ('linkerd', 'policy', 'policy-admin'),
    ('linkerd', 'identity', 'ident-grpc'), ('linkerd', 'identity', 'ident-admin'),
    ('linkerd', 'proxy-injector', 'proxy-injector'), ('linkerd', 'proxy-injector', 'injector-admin'),
    ('linkerd', 'linkerd-proxy', 'linkerd-proxy'), ('linkerd', 'linkerd-proxy', 'linkerd-admin'),
    ('linkerd-viz', 'metrics-api', 'http'), ('linkerd-viz', 'metrics-api', 'admin'),
    ('linkerd-viz', 'web', 'http'), ('linkerd-viz', 'web', 'admin'),
    ('linkerd-viz', 'linkerd-proxy', 'linkerd-admin'),
]
STABLE_2_14_10 = [
    ('linkerd', 'destination', 'grpc'), ('linkerd', 'destination', 'admin-http'),
    ('linkerd', 'sp-validator', 'sp-validator'), ('linkerd', 'sp-validator', 'admin-http'),
    ('linkerd', 'policy', 'grpc'), ('linkerd', 'policy', 'admin-http'),
    ('linkerd', 'identity', 'grpc'), ('linkerd', 'identity', 'admin-http'),
    ('linkerd', 'proxy-injector', 'proxy-injector'), ('linkerd', 'proxy-injector', 'admin-http'),
    ('linkerd', 'linkerd-proxy', 'linkerd-proxy'), ('linkerd', 'linkerd-proxy', 'linkerd-admin'),
    ('linkerd-viz', 'metrics-api', 'http'), ('linkerd-viz', 'metrics-api', 'admin-http'),
    ('linkerd-viz', 'web', 'http'), ('linkerd-viz', 'web', 'admin-http'),
    ('linkerd-viz', 'linkerd-proxy', 'linkerd-admin'),
]


def relabel(rules, labels):
    """Prometheus keep/drop semantics: source labels joined by ';', regex fully anchored."""
    for rule in rules:
        if rule.get('action') not in ('keep', 'drop'):
            continue
        value = ';'.join(labels.get(name, '') for name in rule['source_labels'])
        matched = re.match('^(?:%s)$' % rule['regex'], value) is not None
        if matched != (rule['action'] == 'keep'):
            return False
    return True


def controller_targets(version, ports):
    job = linkerd_scrape_configs('linkerd', 'linkerd-viz', version)[0]
    assert job['job_name'] == 'linkerd-controller'
    assert job['kubernetes_sd_configs'][0]['namespaces']['names'] == ['linkerd', 'linkerd-viz']
    return sorted((c, p) for ns, c, p in ports
                  if relabel(job['relabel_configs'], {'__meta_kubernetes_pod_container_port_name': p,
                                                      '__meta_kubernetes_pod_container_name': c}))


def test_edge_keeps_every_renamed_admin_port():
    assert controller_targets('edge-26.8.3', EDGE_26_8_3) == sorted([
        ('destination', 'dest-admin'), ('sp-validator', 'spval-admin'), ('policy', 'policy-admin'),
        ('identity', 'ident-admin'), ('proxy-injector', 'injector-admin'),
        ('metrics-api', 'admin'), ('web', 'admin')])


def test_edge_rule_is_upstream_edge():
    rules = linkerd_scrape_configs('linkerd', 'linkerd-viz', 'edge-26.8.3')[0]['relabel_configs']
    assert rules[0]['regex'] == '.*admin$' and rules[0]['action'] == 'keep'
    assert rules[1] == {'source_labels': ['__meta_kubernetes_pod_container_port_name'],
                        'action': 'drop', 'regex': 'linkerd-admin'}


@pytest.mark.parametrize('version', ['edge-25.6.3', 'edge-26.8.3'])
def test_first_and_later_edges_after_the_rename(version):
    assert len(controller_targets(version, EDGE_26_8_3)) == 7


def test_stable_keeps_admin_http_only():
    assert controller_targets('stable-2.14.10', STABLE_2_14_10) == sorted([
        ('destination', 'admin-http'), ('sp-validator', 'admin-http'), ('policy', 'admin-http'),
        ('identity', 'admin-http'), ('proxy-injector', 'admin-http'),
        ('metrics-api', 'admin-http'), ('web', 'admin-http')])


def test_edge_before_the_rename_keeps_admin_http():
    assert len(controller_targets('edge-25.6.2', STABLE_2_14_10)) == 7


def test_unknown_version_selects_the_admin_ports_of_both_lines():
    assert len(controller_targets('dev-abc123', EDGE_26_8_3)) == 7
    assert len(controller_targets('', STABLE_2_14_10)) == 7


def proxy_target(phase, container='linkerd-proxy', port='linkerd-admin', cp_ns='linkerd'):
    job = linkerd_scrape_configs('linkerd', 'linkerd-viz', 'edge-26.8.3')[1]
    assert job['job_name'] == 'linkerd-proxy'
    return relabel(job['relabel_configs'], {
        '__meta_kubernetes_pod_phase': phase, '__meta_kubernetes_pod_container_name': container,
        '__meta_kubernetes_pod_container_port_name': port,
        '__meta_kubernetes_pod_label_linkerd_io_control_plane_ns': cp_ns})


@pytest.mark.parametrize('phase,kept', [('Pending', True), ('Running', True), ('Succeeded', False),
                                        ('Failed', False), ('Unknown', False)])
def test_proxy_job_keeps_only_pending_and_running_pods(phase, kept):
    assert proxy_target(phase) is kept


def test_proxy_job_keeps_only_proxies_of_this_control_plane():
    assert proxy_target('Running', cp_ns='other') is False
    assert proxy_target('Running', container='web') is False
    assert proxy_target('Running', port='linkerd-proxy') is False


def test_bad_namespace_is_refused():
    with pytest.raises(AnsibleFilterError, match='linkerd_namespace'):
        linkerd_scrape_configs('')


# ---- Grafana dashboards as ConfigMaps ----------------------------------------------------------

import json  # noqa: E402

from ansible_collections.meshlab.linkerd.plugins.filter.monitoring import (  # noqa: E402
    DASHBOARD_LIMIT, grafana_dashboard_configmap, grafana_dashboard_values)

DASHBOARD = json.dumps({'title': 'Linkerd Health', '__inputs': [{'name': 'DS_PROMETHEUS', 'type': 'datasource'}],
                        'panels': [{'datasource': '${DS_PROMETHEUS}', 'targets': [{'expr': 'up'}]},
                                   {'datasource': {'type': 'prometheus', 'uid': '${DS_PROMETHEUS}'}},
                                   {'datasource': {'type': 'prometheus', 'uid': 'fixed'}}],
                        'templating': {'list': [{'type': 'datasource', 'query': 'prometheus'}]}})


def test_dashboard_configmap_binds_the_datasource():
    cm = grafana_dashboard_configmap(DASHBOARD, 'health', 'monitoring', 'prometheus', 'https://grafana.com/x')
    assert cm['metadata']['name'] == 'grafana-dashboard-health'
    assert cm['metadata']['namespace'] == 'monitoring'
    assert cm['metadata']['labels']['grafana_dashboard'] == '1'
    d = json.loads(cm['data']['health.json'])
    assert d['panels'][0]['datasource'] == 'prometheus'
    assert d['panels'][1]['datasource'] == {'type': 'prometheus', 'uid': 'prometheus'}
    assert d['panels'][2]['datasource'] == {'type': 'prometheus', 'uid': 'fixed'}


def test_dashboard_too_large_for_one_object_is_refused():
    big = json.dumps({'panels': [{'description': 'x' * DASHBOARD_LIMIT}]})
    with pytest.raises(AnsibleFilterError, match='health .*1 MiB'):
        grafana_dashboard_configmap(big, 'health', 'monitoring')


@pytest.mark.parametrize('text', ['', '<html>rate limited</html>', '{"message": "Dashboard not found"}'])
def test_not_a_dashboard_is_refused(text):
    with pytest.raises(AnsibleFilterError, match='health'):
        grafana_dashboard_configmap(text, 'health', 'monitoring')


def test_dashboard_values_one_provider_and_configmap_each():
    v = grafana_dashboard_values([{'name': 'health', 'gnet_id': 15486}, {'name': 'top-line'}])
    assert v['dashboardsConfigMaps'] == {'health': 'grafana-dashboard-health', 'top-line': 'grafana-dashboard-top-line'}
    providers = v['dashboardProviders']['dashboardproviders.yaml']['providers']
    assert [p['options']['path'] for p in providers] == ['/var/lib/grafana/dashboards/health',
                                                         '/var/lib/grafana/dashboards/top-line']
    assert 'dashboards' not in v
    assert 'gnetId' not in json.dumps(v)
