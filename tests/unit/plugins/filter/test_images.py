# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.filter.images import image_ref, images_in_manifests

TEXT = """---
apiVersion: v1
kind: Namespace
metadata: {name: emojivoto}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: emojivoto}
spec:
  template:
    spec:
      containers:
        - {name: web-svc, image: docker.l5d.io/buoyantio/emojivoto-web:v11}
---
"""


def test_text_and_documents():
    images = images_in_manifests([TEXT, {'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': {'containers': [{'name': 'c', 'image': 'busybox'}]}}])
    assert [i['name'] for i in images] == ['docker.io/library/busybox:latest', 'docker.l5d.io/buoyantio/emojivoto-web:v11']
    assert images_in_manifests(TEXT)[0]['used_by'] == ['Deployment/emojivoto/web/web-svc']


def test_errors_are_filter_errors():
    with pytest.raises(AnsibleFilterError, match='emojivoto.yml is no YAML'):
        images_in_manifests('a: [', 'emojivoto.yml')
    with pytest.raises(AnsibleFilterError, match='expects YAML text'):
        images_in_manifests([42])
    with pytest.raises(AnsibleFilterError, match='bad tag'):
        image_ref('web:bad tag')
