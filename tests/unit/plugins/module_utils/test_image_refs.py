# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.meshlab.linkerd.plugins.module_utils.images import manifest_images, parse_ref

DIGEST = 'sha256:' + 'ab' * 32


@pytest.mark.parametrize('ref,name', [
    ('cr.l5d.io/linkerd/proxy:edge-26.1.1', 'cr.l5d.io/linkerd/proxy:edge-26.1.1'),
    ('buoyantio/booksapp:v0.0.5', 'docker.io/buoyantio/booksapp:v0.0.5'),
    ('busybox', 'docker.io/library/busybox:latest'),
    ('localhost:5000/lab/web', 'localhost:5000/lab/web:latest'),
    ('registry.k8s.io/pause:3.10@' + DIGEST, 'registry.k8s.io/pause:3.10@' + DIGEST),
    ('quay.io/prometheus/prometheus@' + DIGEST, 'quay.io/prometheus/prometheus@' + DIGEST),
])
def test_references_are_normalised_as_docker_does(ref, name):
    img = parse_ref(ref)
    assert img['name'] == name and img['ref'] == ref


def test_parts():
    img = parse_ref('localhost:5000/lab/web:1.2@' + DIGEST)
    assert (img['registry'], img['repository'], img['tag'], img['digest']) == ('localhost:5000', 'lab/web', '1.2', DIGEST)
    assert parse_ref('web@' + DIGEST)['tag'] is None


@pytest.mark.parametrize('ref', ['', ' web', 'Web:1', 'web:bad tag', 'web@sha256:xyz', 'a//b', None])
def test_bad_references_are_refused(ref):
    with pytest.raises(ValueError):
        parse_ref(ref)


def deployment(name, containers, init=(), kind='Deployment', ns='lab'):
    spec = {'containers': [{'name': n, 'image': i} for n, i in containers],
            'initContainers': [{'name': n, 'image': i} for n, i in init]}
    doc = {'kind': kind, 'metadata': {'name': name, 'namespace': ns}}
    if kind == 'Pod':
        doc['spec'] = spec
    elif kind == 'CronJob':
        doc['spec'] = {'jobTemplate': {'spec': {'template': {'spec': spec}}}}
    else:
        doc['spec'] = {'template': {'spec': spec}}
    return doc


def test_every_workload_kind_and_container_list():
    docs = [deployment('web', [('web', 'buoyantio/emojivoto-web:v11'), ('linkerd-proxy', 'cr.l5d.io/linkerd/proxy:edge-26.1.1')],
                       init=[('linkerd-init', 'cr.l5d.io/linkerd/proxy-init:v2.4.1')]),
            deployment('ds', [('a', 'busybox')], kind='DaemonSet'),
            deployment('cj', [('a', 'busybox:latest')], kind='CronJob'),
            deployment('p', [('a', 'registry.k8s.io/pause:3.10')], kind='Pod'),
            {'kind': 'List', 'items': [deployment('sts', [('a', 'quay.io/prometheus/prometheus:v3.5.0')], kind='StatefulSet')]},
            {'kind': 'Service', 'metadata': {'name': 'web'}, 'spec': {'ports': []}},
            {'kind': 'ConfigMap', 'metadata': {'name': 'x'}, 'data': {'image': 'not/this:1'}}]
    images = manifest_images(docs)
    assert [i['name'] for i in images] == [
        'cr.l5d.io/linkerd/proxy-init:v2.4.1', 'cr.l5d.io/linkerd/proxy:edge-26.1.1', 'docker.io/buoyantio/emojivoto-web:v11',
        'docker.io/library/busybox:latest', 'quay.io/prometheus/prometheus:v3.5.0', 'registry.k8s.io/pause:3.10']
    busybox = [i for i in images if i['repository'] == 'library/busybox'][0]
    assert busybox['used_by'] == ['DaemonSet/lab/ds/a', 'CronJob/lab/cj/a']


def test_a_bad_image_names_its_container():
    with pytest.raises(ValueError, match='Deployment/lab/web container web: .*bad tag'):
        manifest_images([deployment('web', [('web', 'web:bad tag')])], 'emojivoto.yml')
    assert manifest_images(None) == [] and manifest_images([None, 'text']) == []
