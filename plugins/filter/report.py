# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host side of the class report: what the report play registered -> one compact record."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.module_utils.report import host_record, stat_queries


def report_record(raw):
    if not isinstance(raw, dict):
        raise AnsibleFilterError('report_record expects a dict of registered results, got %s' % type(raw).__name__)
    return host_record(raw)


def report_queries(namespaces, window='1m'):
    """[{namespace, name, query}] of the `linkerd viz stat` queries for every namespace."""
    try:
        return [{'namespace': ns, 'name': name, 'query': q}
                for ns in namespaces for name, q in sorted(stat_queries(ns, window).items())]
    except ValueError as e:
        raise AnsibleFilterError('report_queries: %s' % e)


class FilterModule(object):
    def filters(self):
        return {'report_record': report_record, 'report_queries': report_queries}
