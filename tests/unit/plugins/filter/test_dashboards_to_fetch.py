# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which cached dashboards skip the download pipeline: only those matching their recorded sha256."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib

from ansible_collections.meshlab.linkerd.plugins.filter.monitoring import dashboards_to_fetch


def _look(tmp_path, name, content=None, pin=None, checksum=None):
    path = tmp_path / (name + '.json')
    entry = {'name': name}
    if checksum is not None:
        entry['checksum'] = checksum
    if content is None:
        return {'__monitoring_dashboard': entry, 'stat': {'exists': False}}
    path.write_bytes(content)
    if pin is not None:
        (tmp_path / (name + '.json.sha256')).write_text(pin + '\n')
    return {'__monitoring_dashboard': entry,
            'stat': {'exists': True, 'path': str(path), 'checksum': hashlib.sha256(content).hexdigest()}}


def names(results):
    return [d['name'] for d in dashboards_to_fetch(results)]


def test_matching_pin_skips_the_pipeline(tmp_path):
    good = hashlib.sha256(b'{}').hexdigest()
    assert names([_look(tmp_path, 'a', b'{}', pin=good)]) == []


def test_missing_file_unpinned_or_tampered_go_through_the_pipeline(tmp_path):
    results = [
        _look(tmp_path, 'missing'),
        _look(tmp_path, 'unpinned', b'{}'),
        _look(tmp_path, 'tampered', b'{"x": 1}', pin=hashlib.sha256(b'{}').hexdigest()),
    ]
    assert names(results) == ['missing', 'unpinned', 'tampered']


def test_explicit_checksum_wins_over_the_pin(tmp_path):
    good = hashlib.sha256(b'{}').hexdigest()
    assert names([_look(tmp_path, 'a', b'{}', pin='0' * 64, checksum='sha256:' + good)]) == []
    assert names([_look(tmp_path, 'b', b'{}', pin=good, checksum='0' * 64)]) == ['b']
