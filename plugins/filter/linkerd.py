# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters about Linkerd releases: their line and compatibility facts, and what the mesh roles do with what a cluster runs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

_STABLE = re.compile(r'^stable-(\d+)\.(\d+)\.(\d+)$')
_EDGE = re.compile(r'^edge-(\d+)\.(\d+)\.(\d+)$')
# stable-2.14.x came out before the 2.15 line, whose first edge is edge-24.2.4: every edge from
# then on is newer than any stable-2.14; every earlier edge is older.
_FIRST_EDGE_AFTER_STABLE = (24, 2, 4)


def linkerd_version_key(version):
    """Sortable key of a Linkerd release name, None when it is not one (dev builds, garbage)."""
    if not isinstance(version, string_types):
        return None
    version = version.strip()
    m = _EDGE.match(version)
    if m:
        return (1, ) + tuple(int(x) for x in m.groups()) + (0, 0, 0)
    m = _STABLE.match(version)
    if m:
        # stable-2.N: placed just below the first edge of the next line when N >= 14
        major, minor, patch = (int(x) for x in m.groups())
        if (major, minor) >= (2, 14):
            return (1, ) + _FIRST_EDGE_AFTER_STABLE[:2] + (_FIRST_EDGE_AFTER_STABLE[2] - 1, major, minor, patch)
        return (0, 0, 0, 0, major, minor, patch)
    return None


def _edge_key(version):
    """(year, month, n) of edge-YY.M.N, None otherwise."""
    if not isinstance(version, string_types):
        return None
    m = _EDGE.match(version.strip())
    return tuple(int(x) for x in m.groups()) if m else None


def _line_key(line):
    """Numeric key of a line name such as '2.20' (so that 2.9 < 2.10 < 2.20)."""
    m = re.match(r'^(\d+)\.(\d+)$', str(line))
    if not m:
        raise AnsibleFilterError('linkerd compatibility table: %r is not a Linkerd line (MAJOR.MINOR, e.g. "2.20")' % (line, ))
    return tuple(int(x) for x in m.groups())


def _check_compat(compat):
    if not isinstance(compat, dict):
        raise AnsibleFilterError('linkerd compatibility table must be a dict of line -> facts, got %s' % type(compat).__name__)
    for line, facts in compat.items():
        _line_key(line)
        if not isinstance(facts, dict):
            raise AnsibleFilterError('linkerd compatibility table: entry %s must be a dict, got %s' % (line, type(facts).__name__))
        first_edge = facts.get('first_edge') or ''
        if first_edge and _edge_key(first_edge) is None:
            raise AnsibleFilterError('linkerd compatibility table: first_edge of %s must look like edge-25.4.4, got %r'
                                     % (line, first_edge))


def linkerd_line(version, compat):
    """Linkerd line ('2.20') of a release name, '' when the compatibility table has no entry for it.

    stable-2.N.P belongs to line 2.N; edge-YY.M.N to the newest line whose first_edge is not newer.
    """
    _check_compat(compat)
    if not isinstance(version, string_types):
        return ''
    version = version.strip()
    m = _STABLE.match(version)
    if m:
        line = '%s.%s' % m.groups()[:2]
        return line if line in compat else ''
    edge = _edge_key(version)
    if edge is None:
        return ''
    found = ''
    for line in sorted(compat, key=_line_key):
        first_edge = compat[line].get('first_edge') or ''
        if first_edge and edge >= _edge_key(first_edge):
            found = line
    return found


def linkerd_has_sha256_files(version, last_edge_with_sha256):
    """Whether upstream publishes <asset>.sha256 files for a release (every stable; edges up to the given one)."""
    last = _edge_key(last_edge_with_sha256)
    if last is None:
        raise AnsibleFilterError('the last Linkerd edge with .sha256 files must look like edge-25.9.3, got %r'
                                 % (last_edge_with_sha256, ))
    if not isinstance(version, string_types):
        return False
    if _STABLE.match(version.strip()):
        return True
    edge = _edge_key(version)
    return edge is not None and edge <= last


def linkerd_info(version, compat, last_edge_with_sha256):
    """The compatibility entry of the line of `version`, plus `line` and `sha256_files` ({} + those when unknown)."""
    line = linkerd_line(version, compat)
    info = dict(compat[line]) if line else {}
    info.update(line=line, sha256_files=linkerd_has_sha256_files(version, last_edge_with_sha256))
    return info


def linkerd_installed(resource):
    """Version and installer of Linkerd from ConfigMap linkerd-config (or a namespace/deployment).

    Reads `data.values` (the rendered chart values; key `linkerdVersion`), then the
    `linkerd.io/created-by` annotation ("linkerd/cli edge-26.8.3", "linkerd/helm ...").
    Returns {'version': '' when not installed, 'installer': 'cli' | 'helm' | ''}.
    """
    if not resource:
        return {'version': '', 'installer': ''}
    if isinstance(resource, list):
        resource = resource[0] if resource else {}
    if not isinstance(resource, dict):
        raise AnsibleFilterError('linkerd_installed expects a Kubernetes object (dict), got %s' % type(resource).__name__)
    meta = resource.get('metadata') or {}
    labels = meta.get('labels') or {}
    annotations = meta.get('annotations') or {}
    version = ''
    values = (resource.get('data') or {}).get('values')
    if values and yaml is not None:
        try:
            parsed = yaml.safe_load(values) or {}
        except yaml.YAMLError:
            parsed = {}
        if isinstance(parsed, dict):
            version = str(parsed.get('linkerdVersion') or '')
    created_by = str(annotations.get('linkerd.io/created-by') or '')
    if not version and created_by:
        version = created_by.split()[-1]
    installer = ''
    if labels.get('app.kubernetes.io/managed-by') == 'Helm' or created_by.startswith('linkerd/helm'):
        installer = 'helm'
    elif created_by.startswith('linkerd/cli') or version:
        installer = 'cli'
    return {'version': version, 'installer': installer}


def linkerd_plan(installed, desired, installed_checksum='', desired_checksum='', allow_downgrade=False):
    """What to do: install, skip or upgrade (or refuse a downgrade / unknown state).

    installed: version running in the cluster ('' = nothing installed), or the dict of linkerd_installed.
    desired: version of the CLI the lab pins.
    *_checksum: sha256 of the values/flags applied last time (stored on the cluster) and now;
    a difference means the same version must be re-applied with new settings (an upgrade).
    Returns {'action', 'installed', 'desired', 'reason'}; action is one of
    install | skip | upgrade | downgrade | unknown.
    """
    installer = ''
    if isinstance(installed, dict):
        installer = installed.get('installer', '')
        installed = installed.get('version', '')
    installed = (installed or '').strip()
    desired = (desired or '').strip()
    if not desired:
        raise AnsibleFilterError('linkerd_plan needs the desired version')
    result = {'installed': installed, 'desired': desired, 'installer': installer}
    if installer == 'helm':
        result.update(action='unknown', reason='installed with Helm: upgrade it with Helm, not with the Linkerd CLI')
        return result
    if not installed:
        result.update(action='install', reason='not installed')
        return result
    if installed == desired:
        if desired_checksum and installed_checksum != desired_checksum:
            result.update(action='upgrade', reason='%s is installed with other settings' % installed)
        else:
            result.update(action='skip', reason='%s is installed with these settings' % installed)
        return result
    have, want = linkerd_version_key(installed), linkerd_version_key(desired)
    if have is None or want is None:
        result.update(action='unknown', reason='cannot compare the installed version %r with %r' % (installed, desired))
        return result
    if want > have:
        result.update(action='upgrade', reason='%s is installed, %s is wanted' % (installed, desired))
    elif allow_downgrade:
        result.update(action='upgrade', reason='downgrade from %s to %s allowed' % (installed, desired))
    else:
        result.update(action='downgrade', reason='%s is installed, newer than the wanted %s' % (installed, desired))
    return result


def linkerd_pods_waiting(pods, container='linkerd-proxy'):
    """What keeps a lab app's pods from counting as meshed and ready.

    `pods` is the `resources` list of k8s_info (kind Pod). Pods being deleted are left out. Returns
    {'pods': count, 'unmeshed': [names without `container` among containers or init containers
    (native sidecars)], 'not_ready': [names whose Ready condition is not True]}, names sorted.
    """
    if not isinstance(pods, list):
        raise AnsibleFilterError('linkerd_pods_waiting expects a list of Pod objects, got %s' % type(pods).__name__)
    live = [p for p in pods if isinstance(p, dict) and not (p.get('metadata') or {}).get('deletionTimestamp')]
    unmeshed, not_ready = [], []
    for pod in live:
        name = str((pod.get('metadata') or {}).get('name', '?'))
        spec = pod.get('spec') or {}
        names = [c.get('name') for c in (spec.get('containers') or []) + (spec.get('initContainers') or [])]
        if container not in names:
            unmeshed.append(name)
        conditions = (pod.get('status') or {}).get('conditions') or []
        if not any(c.get('type') == 'Ready' and c.get('status') == 'True' for c in conditions):
            not_ready.append(name)
    return {'pods': len(live), 'unmeshed': sorted(unmeshed), 'not_ready': sorted(not_ready)}


class FilterModule(object):
    def filters(self):
        return {
            'linkerd_info': linkerd_info,
            'linkerd_installed': linkerd_installed,
            'linkerd_line': linkerd_line,
            'linkerd_plan': linkerd_plan,
            'linkerd_pods_waiting': linkerd_pods_waiting,
        }
