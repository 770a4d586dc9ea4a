# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retries and timeouts of the meshlab.linkerd.resilience role (logic in module_utils/resilience.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.module_utils import resilience as r


def linkerd_resilience_plan(policies, version, retry_budget=None, cluster_domain='cluster.local'):
    """Everything the role applies for this Linkerd release, or the errors (then nothing else)."""
    errors = r.validate(policies, version)
    if errors:
        return {'errors': errors, 'objects': [], 'baseline': [], 'kinds': [], 'notes': [], 'policies': []}
    return {'errors': [], 'line': r.line_of(version), 'version': version,
            'objects': r.objects(policies, version, True, retry_budget, cluster_domain),
            'baseline': r.objects(policies, version, False, retry_budget, cluster_domain),
            'kinds': r.kinds(version), 'notes': r.notes(policies, version),
            'policies': r.enabled(policies),
            'namespaces': sorted(set(p['namespace'] for p in r.enabled(policies)))}


def linkerd_resilience_stale(existing, desired):
    return r.stale(existing, desired)


def linkerd_resilience_missing(policies, services):
    return r.missing_services(policies, services)


def linkerd_resilience_queries(policies, version, window, cluster_domain='cluster.local'):
    """[{policy, name, query}] for every enabled policy."""
    try:
        return [{'policy': p['name'], 'namespace': p['namespace'], 'name': name, 'query': q}
                for p in r.enabled(policies) for name, q in sorted(r.queries(p, version, window, cluster_domain).items())]
    except ValueError as e:
        raise AnsibleFilterError('linkerd_resilience_queries: %s' % e)


def _answers(results):
    """uri results of linkerd_resilience_queries -> {(namespace, policy): {name: json}}."""
    out = {}
    for res in results or []:
        item = res.get('item') or {}
        doc = res.get('json') if res.get('status') == 200 else {'status': 'error', 'error': res.get('msg') or 'HTTP %s' % res.get('status')}
        out.setdefault((item.get('namespace'), item.get('policy')), {})[item.get('name')] = doc
    return out


def linkerd_resilience_measure(results, policies, version, window):
    """uri results of one window -> {namespace/policy: numbers}."""
    answers = _answers(results)
    return dict(('%s/%s' % (p['namespace'], p['name']), r.measure(answers.get((p['namespace'], p['name']), {}), p, version, window))
                for p in r.enabled(policies))


def linkerd_resilience_experiments(before, after, policies):
    """The record's experiments (before/after numbers, verdict) and their one-line summaries."""
    exps = [r.experiment(p, before.get('%s/%s' % (p['namespace'], p['name']), {'no_data': True, 'reason': 'not measured'}),
                         after.get('%s/%s' % (p['namespace'], p['name']), {'no_data': True, 'reason': 'not measured'}))
            for p in r.enabled(policies)]
    return {'experiments': exps, 'lines': [r.one_line(e) for e in exps]}


def linkerd_resilience_seconds(duration):
    s = r.duration_seconds(duration)
    if s is None:
        raise AnsibleFilterError('%r is not a duration like 30s or 2m' % (duration,))
    return s


class FilterModule(object):
    def filters(self):
        return {
            'linkerd_resilience_plan': linkerd_resilience_plan,
            'linkerd_resilience_stale': linkerd_resilience_stale,
            'linkerd_resilience_missing': linkerd_resilience_missing,
            'linkerd_resilience_queries': linkerd_resilience_queries,
            'linkerd_resilience_measure': linkerd_resilience_measure,
            'linkerd_resilience_experiments': linkerd_resilience_experiments,
            'linkerd_resilience_seconds': linkerd_resilience_seconds,
        }
