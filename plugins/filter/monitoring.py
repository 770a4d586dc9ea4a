# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Linkerd's Prometheus scrape jobs for the monitoring stage's Prometheus, per Linkerd line."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types
from ansible_collections.meshlab.linkerd.plugins.filter.linkerd import linkerd_version_key

# linkerd2 #14111 (edge-25.6.3) renamed the control-plane admin ports from admin-http to
# dest-admin, ident-admin, injector-admin, policy-admin, spval-admin (viz: admin).
ADMIN_RENAME = 'edge-25.6.3'


def _controller_keep(linkerd_version):
    """relabel_configs selecting the control-plane admin ports, as upstream viz does on that line.

    viz/charts/linkerd-viz/templates/prometheus.yaml: stable-2.14.10 keeps ``admin-http``;
    edge-26.8.3 keeps ``.*admin$`` and drops the proxies' ``linkerd-admin``. A version that is not a
    Linkerd release name gets both (the union selects the same ports on either line).
    """
    key = linkerd_version_key(linkerd_version)
    drop_proxy = {'source_labels': ['__meta_kubernetes_pod_container_port_name'],
                  'action': 'drop', 'regex': 'linkerd-admin'}
    if key is not None and key < linkerd_version_key(ADMIN_RENAME):
        return [{'source_labels': ['__meta_kubernetes_pod_container_port_name'],
                 'action': 'keep', 'regex': 'admin-http'}]
    regex = '.*admin$' if key is not None else 'admin-http|.*admin$'
    return [{'source_labels': ['__meta_kubernetes_pod_container_port_name'], 'action': 'keep', 'regex': regex},
            drop_proxy]


def linkerd_scrape_configs(linkerd_namespace, viz_namespace='linkerd-viz', linkerd_version='',
                           proxy_container_name='linkerd-proxy'):
    """The linkerd-controller and linkerd-proxy jobs of upstream viz's Prometheus."""
    for name, value in (('linkerd_namespace', linkerd_namespace), ('viz_namespace', viz_namespace),
                        ('proxy_container_name', proxy_container_name)):
        if not isinstance(value, string_types) or not value:
            raise AnsibleFilterError('linkerd_scrape_configs: %s must be a non-empty string, got %r' % (name, value))
    controller = {
        'job_name': 'linkerd-controller',
        'kubernetes_sd_configs': [{'role': 'pod', 'namespaces': {'names': [linkerd_namespace, viz_namespace]}}],
        'relabel_configs': _controller_keep(linkerd_version) + [
            {'source_labels': ['__meta_kubernetes_pod_container_name'], 'action': 'replace', 'target_label': 'component'},
        ],
    }
    proxy = {
        'job_name': 'linkerd-proxy',
        'kubernetes_sd_configs': [{'role': 'pod'}],
        'relabel_configs': [
            # finished (Succeeded/Failed) pods, e.g. of Jobs, are no targets (upstream edge)
            {'source_labels': ['__meta_kubernetes_pod_phase'], 'regex': '(Pending|Running)', 'action': 'keep'},
            {'source_labels': ['__meta_kubernetes_pod_container_name', '__meta_kubernetes_pod_container_port_name',
                               '__meta_kubernetes_pod_label_linkerd_io_control_plane_ns'],
             'action': 'keep', 'regex': '^%s;linkerd-admin;%s$' % (proxy_container_name, linkerd_namespace)},
            {'source_labels': ['__meta_kubernetes_namespace'], 'action': 'replace', 'target_label': 'namespace'},
            {'source_labels': ['__meta_kubernetes_pod_name'], 'action': 'replace', 'target_label': 'pod'},
            # the k8s "job" label becomes k8s_job, so it does not clash with Prometheus' own "job"
            {'source_labels': ['__meta_kubernetes_pod_label_linkerd_io_proxy_job'], 'action': 'replace',
             'target_label': 'k8s_job'},
            {'action': 'labeldrop', 'regex': '__meta_kubernetes_pod_label_linkerd_io_proxy_job'},
            # linkerd_io_proxy_deployment=foo -> deployment=foo
            {'action': 'labelmap', 'regex': '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)'},
            {'action': 'labeldrop', 'regex': '__meta_kubernetes_pod_label_linkerd_io_proxy_(.+)'},
            {'action': 'labelmap', 'regex': '__meta_kubernetes_pod_label_linkerd_io_(.+)'},
            # pod labels, with the linkerd_io_ prefix removed
            {'action': 'labelmap', 'regex': '__meta_kubernetes_pod_label_(.+)', 'replacement': '__tmp_pod_label_$1'},
            {'action': 'labelmap', 'regex': '__tmp_pod_label_linkerd_io_(.+)', 'replacement': '__tmp_pod_label_$1'},
            {'action': 'labeldrop', 'regex': '__tmp_pod_label_linkerd_io_(.+)'},
            {'action': 'labelmap', 'regex': '__tmp_pod_label_(.+)'},
        ],
    }
    return [controller, proxy]


# A ConfigMap (data, name, labels, everything) must stay under 1 MiB (etcd's request limit); keep room for
# the metadata and the last-applied annotation of client-side apply.
CONFIGMAP_LIMIT = 1024 * 1024
DASHBOARD_LIMIT = 1000 * 1000
_DS_VAR = re.compile(r'^\$\{[A-Za-z0-9_]+\}$')


def _bind_datasource(node, datasource):
    """What the grafana chart's download script does with `datasource: <name>` (sed of every string
    "datasource" value), plus the newer object form whose uid is an ${DS_...} input variable."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == 'datasource' and isinstance(value, str):
                out[key] = datasource
            elif key == 'datasource' and isinstance(value, dict) and _DS_VAR.match(str(value.get('uid', ''))):
                out[key] = dict(value, uid=datasource)
            else:
                out[key] = _bind_datasource(value, datasource)
        return out
    if isinstance(node, list):
        return [_bind_datasource(v, datasource) for v in node]
    return node


def grafana_dashboard_configmap(content, name, namespace, datasource='prometheus', source=''):
    """One downloaded dashboard (JSON text) -> the ConfigMap Grafana reads it from (chart value
    dashboardsConfigMaps), refusing a dashboard too large for one Kubernetes object."""
    if not isinstance(content, string_types):
        raise AnsibleFilterError('grafana_dashboard_configmap: %s: content must be the JSON text' % name)
    try:
        dashboard = json.loads(content)
    except ValueError as e:
        raise AnsibleFilterError('grafana_dashboard_configmap: %s (%s) is not JSON: %s' % (name, source, e))
    if not isinstance(dashboard, dict) or not isinstance(dashboard.get('panels', dashboard.get('rows')), list):
        raise AnsibleFilterError('grafana_dashboard_configmap: %s (%s) is not a Grafana dashboard (no panels)' % (name, source))
    text = json.dumps(_bind_datasource(dashboard, datasource), sort_keys=True, separators=(',', ':'))
    size = len(text.encode('utf-8'))
    if size > DASHBOARD_LIMIT:
        raise AnsibleFilterError('grafana_dashboard_configmap: %s (%s) is %d bytes; one ConfigMap holds at most %d '
                                 '(Kubernetes objects are limited to 1 MiB)' % (name, source, size, DASHBOARD_LIMIT))
    return {
        'apiVersion': 'v1',
        'kind': 'ConfigMap',
        'metadata': {
            'name': 'grafana-dashboard-' + name,
            'namespace': namespace,
            # also found by the chart's dashboard sidecar, for labs that enable it
            'labels': {'grafana_dashboard': '1', 'app.kubernetes.io/part-of': 'meshlab',
                       'app.kubernetes.io/managed-by': 'meshlab.linkerd.monitoring'},
            'annotations': {'meshlab.linkerd/source': source} if source else {},
        },
        'data': {name + '.json': text},
    }


def grafana_dashboard_values(dashboards, path='/var/lib/grafana/dashboards'):
    """grafana chart values: one file provider per dashboard (folder <path>/<name>), mounted from the
    ConfigMap grafana-dashboard-<name> (dashboardsConfigMaps: provider name -> ConfigMap)."""
    if not isinstance(dashboards, list):
        raise AnsibleFilterError('grafana_dashboard_values: expects the list of dashboards')
    providers, configmaps = [], {}
    for d in dashboards:
        name = (d or {}).get('name') if isinstance(d, dict) else None
        if not isinstance(name, string_types) or not re.match(r'^[a-z0-9][a-z0-9-]*$', name):
            raise AnsibleFilterError('grafana_dashboard_values: bad dashboard name in %r' % (d, ))
        providers.append({'name': name, 'orgId': 1, 'folder': '', 'type': 'file', 'disableDeletion': False,
                          'editable': True, 'options': {'path': '%s/%s' % (path.rstrip('/'), name)}})
        configmaps[name] = 'grafana-dashboard-' + name
    return {'dashboardProviders': {'dashboardproviders.yaml': {'apiVersion': 1, 'providers': providers}},
            'dashboardsConfigMaps': configmaps}


def dashboards_to_fetch(look_results):
    """The dashboards that must go through the download pipeline.

    ``look_results`` are the results of one ``stat`` (sha256) per cached dashboard file, each
    carrying its dashboard entry under ``__monitoring_dashboard``. A dashboard is up to date when
    its cached file exists and its sha256 equals the recorded one: the entry's explicit
    ``checksum`` (``sha256:<hex>`` or ``<hex>``), else the pin ``<file>.sha256`` beside it.
    Everything else (missing, no record, different) goes through the pipeline, which downloads it
    or, offline, refuses it with its usual message.
    """
    todo = []
    for result in look_results:
        entry = result['__monitoring_dashboard']
        stat = result.get('stat') or {}
        actual = stat.get('checksum', '') if stat.get('exists') else ''
        expected = str(entry.get('checksum') or '').rsplit(':', maxsplit=1)[-1].strip().lower()
        if not expected and actual:
            try:
                with open(stat['path'] + '.sha256') as pin:
                    expected = pin.read().split()[0].strip().lower()
            except (OSError, IndexError):
                expected = ''
        if not actual or not expected or actual != expected:
            todo.append(entry)
    return todo


class FilterModule(object):
    def filters(self):
        return {'linkerd_scrape_configs': linkerd_scrape_configs,
                'dashboards_to_fetch': dashboards_to_fetch,
                'grafana_dashboard_configmap': grafana_dashboard_configmap,
                'grafana_dashboard_values': grafana_dashboard_values}
