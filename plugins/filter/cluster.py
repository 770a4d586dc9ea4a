# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that read what kubernetes.core told about a cluster: why the API refused to answer, and
what keeps a new cluster from being ready. Their sentences go into the roles' fail messages."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible.module_utils.six import string_types

_HOST_PORT = re.compile(r"host=[^0-9A-Za-z]*([0-9A-Za-z.-]+)[^0-9A-Za-z]*, port=([0-9]+)")
_WHY = (('connection refused', re.compile(r'Connection refused', re.I)),
        ('name not resolved', re.compile(r'Name or service not known|Temporary failure in name resolution|nodename nor servname')),
        ('timed out', re.compile(r'timed out', re.I)),
        ('TLS failed', re.compile(r'CERTIFICATE_VERIFY_FAILED|SSLError|certificate verify failed')))
_STATUS = (('401 Unauthorized', re.compile(r'(^|[^0-9])401([^0-9]|$)|Unauthorized')),
           ('403 Forbidden', re.compile(r'(^|[^0-9])403([^0-9]|$)|Forbidden')))


def _text(result):
    if isinstance(result, string_types):
        return result
    try:
        return json.dumps(result, default=str)
    except (TypeError, ValueError):
        return str(result)


def cluster_api_error(result):
    """Why a kubernetes.core task could not read the API, from its failed result (or its message).

    Returns {'rejected': bool, 'status': '401 Unauthorized' | '403 Forbidden' | '', 'where': 'host:port' or
    'no address', 'why': 'connection refused' | 'name not resolved' | 'timed out' | 'TLS failed' | '',
    'text': 'rejects its user (401 Unauthorized)' or 'does not answer (host:port: why)'}.
    """
    text = _text(result or {})
    status = next((name for name, rx in _STATUS if rx.search(text)), '')
    m = _HOST_PORT.search(text)
    where = '%s:%s' % m.groups() if m else 'no address'
    why = next((name for name, rx in _WHY if rx.search(text)), '')
    if status:
        sentence = 'rejects its user (%s)' % status
    else:
        sentence = 'does not answer (%s%s)' % (where, ': ' + why if why else '')
    return {'rejected': bool(status), 'status': status, 'where': where, 'why': why, 'text': sentence}


def _ready(obj):
    conditions = (obj.get('status') or {}).get('conditions') or []
    return any(c.get('type') == 'Ready' and c.get('status') == 'True' for c in conditions)


def _name(obj):
    return str((obj.get('metadata') or {}).get('name', '?'))


def cluster_not_ready(nodes, coredns=None, dns_label='k8s-app=kube-dns'):
    """What keeps a new cluster from being ready, as one sentence ('' when it is ready).

    nodes, coredns: the registered results of kubernetes.core.k8s_info for kind Node and for the
    kube-system pods labelled dns_label (None or without `resources`: the API did not answer, or the
    wait never got there).
    """
    if not isinstance(nodes, dict) or 'resources' not in nodes:
        msg = nodes.get('msg') if isinstance(nodes, dict) else None
        return 'the Kubernetes API did not answer (%s)' % (msg or 'no answer')
    items = [n for n in nodes['resources'] or [] if isinstance(n, dict)]
    if not items:
        return 'no node is registered'
    waiting = sorted(_name(n) for n in items if not _ready(n))
    if waiting:
        return 'nodes not Ready: %s' % ', '.join(waiting)
    if not isinstance(coredns, dict) or 'resources' not in coredns:
        msg = coredns.get('msg') if isinstance(coredns, dict) else None
        return 'CoreDNS could not be read (%s)' % (msg or 'no answer')
    pods = [p for p in coredns['resources'] or [] if isinstance(p, dict)]
    if not pods:
        return 'CoreDNS does not run: no pod labelled %s in namespace kube-system' % dns_label
    running = [p for p in pods if (p.get('status') or {}).get('phase') == 'Running'
               and any(c.get('ready') for c in (p.get('status') or {}).get('containerStatuses') or [])]
    if running:
        return ''
    return 'CoreDNS does not run: %s' % ', '.join(
        '%s is %s' % (_name(p), (p.get('status') or {}).get('phase') or 'without a phase')
        if (p.get('status') or {}).get('phase') != 'Running' else '%s has no ready container' % _name(p)
        for p in sorted(pods, key=_name))


class FilterModule(object):
    def filters(self):
        return {
            'cluster_api_error': cluster_api_error,
            'cluster_not_ready': cluster_not_ready,
        }
