# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters about container images: the images rendered manifests run (plugins/module_utils/images.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types
from ansible_collections.meshlab.linkerd.plugins.module_utils.images import manifest_images, parse_ref

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None


def images_in_manifests(manifests, source=''):
    """The images of a manifest text (multi-document YAML) or a list of parsed documents or texts."""
    docs = []
    for item in manifests if isinstance(manifests, list) else [manifests]:
        if isinstance(item, string_types):
            try:
                docs.extend(d for d in yaml.safe_load_all(item) if d)
            except yaml.YAMLError as e:
                raise AnsibleFilterError('images_in_manifests: %s is no YAML: %s' % (source or 'the input', e))
        elif isinstance(item, dict):
            docs.append(item)
        elif item is not None:
            raise AnsibleFilterError('images_in_manifests expects YAML text or manifest documents, got %s' % type(item).__name__)
    try:
        return manifest_images(docs, source)
    except ValueError as e:
        raise AnsibleFilterError('images_in_manifests: %s' % e)


def image_ref(ref):
    """One image reference, parsed and normalised as Docker does."""
    try:
        return parse_ref(ref)
    except ValueError as e:
        raise AnsibleFilterError('image_ref: %s' % e)


class FilterModule(object):
    def filters(self):
        return {
            'images_in_manifests': images_in_manifests,
            'image_ref': image_ref,
        }
