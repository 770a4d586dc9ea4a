# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container images: the references a set of rendered manifests runs, parsed and normalised.

Pure functions (no Ansible imports). The list is derived from what the stages really render (the
manifests the Linkerd CLI and the charts produce, the apps' pinned manifests), not kept by hand.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

DEFAULT_REGISTRY = 'docker.io'
# kind -> path to the pod spec
_POD_SPEC = {
    'Pod': ('spec', ),
    'Deployment': ('spec', 'template', 'spec'),
    'DaemonSet': ('spec', 'template', 'spec'),
    'StatefulSet': ('spec', 'template', 'spec'),
    'ReplicaSet': ('spec', 'template', 'spec'),
    'ReplicationController': ('spec', 'template', 'spec'),
    'Job': ('spec', 'template', 'spec'),
    'CronJob': ('spec', 'jobTemplate', 'spec', 'template', 'spec'),
}
_CONTAINER_LISTS = ('initContainers', 'containers', 'ephemeralContainers')
_DIGEST = re.compile(r'^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$')
_TAG = re.compile(r'^[\w][\w.-]{0,127}$')
_COMPONENT = re.compile(r'^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$')


def parse_ref(ref):
    """An image reference as Docker normalises it.

    Returns {'ref': as written, 'registry', 'repository', 'tag' (None with a digest only), 'digest' (None
    without), 'name': registry/repository[:tag][@digest]}; a reference without tag or digest gets tag
    `latest`, one without registry `docker.io` (and `library/` for a one-part name). Raises ValueError.
    """
    if not isinstance(ref, str) or not ref.strip() or ref != ref.strip():
        raise ValueError('not an image reference: %r' % (ref, ))
    rest, digest = ref, None
    if '@' in rest:
        rest, digest = rest.split('@', 1)
        if not _DIGEST.match(digest):
            raise ValueError('image %s: bad digest %r' % (ref, digest))
    tag = None
    last = rest.rsplit('/', 1)[-1]
    if ':' in last:
        rest, tag = rest.rsplit(':', 1)
        if not _TAG.match(tag):
            raise ValueError('image %s: bad tag %r' % (ref, tag))
    parts = rest.split('/')
    if len(parts) > 1 and ('.' in parts[0] or ':' in parts[0] or parts[0] == 'localhost'):
        registry, path = parts[0], parts[1:]
    else:
        registry, path = DEFAULT_REGISTRY, parts
    if registry == DEFAULT_REGISTRY and len(path) == 1:
        path = ['library'] + path
    if not path or not all(_COMPONENT.match(p) for p in path):
        raise ValueError('image %s: bad repository %r' % (ref, '/'.join(path)))
    if tag is None and digest is None:
        tag = 'latest'
    repository = '/'.join(path)
    name = '%s/%s' % (registry, repository) + (':' + tag if tag else '') + ('@' + digest if digest else '')
    return {'ref': ref, 'registry': registry, 'repository': repository, 'tag': tag, 'digest': digest, 'name': name}


def _pod_spec(doc):
    node = doc
    for key in _POD_SPEC.get(doc.get('kind'), ()):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) and doc.get('kind') in _POD_SPEC else None


def manifest_images(docs, source=''):
    """Every image the workloads of `docs` (parsed manifest documents; List kinds are opened) run.

    Returns [{name, registry, repository, tag, digest, ref, used_by: ['<Kind>/<namespace>/<name>/<container>']}],
    one per normalised name, sorted by name.
    """
    found = {}
    stack = [d for d in (docs or []) if isinstance(d, dict)]
    while stack:
        doc = stack.pop(0)
        if doc.get('kind') == 'List' or (str(doc.get('kind', '')).endswith('List') and isinstance(doc.get('items'), list)):
            stack.extend(i for i in doc.get('items') or [] if isinstance(i, dict))
            continue
        spec = _pod_spec(doc)
        if spec is None:
            continue
        meta = doc.get('metadata') or {}
        owner = '%s/%s/%s' % (doc.get('kind'), meta.get('namespace') or '-', meta.get('name') or '?')
        for key in _CONTAINER_LISTS:
            for c in spec.get(key) or []:
                if not isinstance(c, dict) or not c.get('image'):
                    continue
                try:
                    img = parse_ref(str(c['image']))
                except ValueError as e:
                    raise ValueError('%s%s container %s: %s' % (source + ': ' if source else '', owner, c.get('name'), e))
                entry = found.setdefault(img['name'], dict(img, used_by=[]))
                entry['used_by'].append('%s/%s' % (owner, c.get('name') or '?'))
    return [found[k] for k in sorted(found)]
