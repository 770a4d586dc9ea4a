# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Linkerd's Prometheus scrape jobs for the monitoring stage's Prometheus, per Linkerd line."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

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


class FilterModule(object):
    def filters(self):
        return {'linkerd_scrape_configs': linkerd_scrape_configs}
