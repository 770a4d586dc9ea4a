# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a download really goes when the lab uses a mirror (meshlab_mirror_url)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*://')


def _base(mirror):
    if mirror is None:
        return ''
    if not isinstance(mirror, string_types):
        raise AnsibleFilterError('the mirror must be a URL string, got %s' % type(mirror).__name__)
    mirror = mirror.strip().rstrip('/')
    if mirror and not _SCHEME.match(mirror):
        raise AnsibleFilterError('the mirror %r must be a URL such as http://mirror.lab/files' % mirror)
    return mirror


def _under(url, base):
    return url == base or url.startswith(base + '/')


def mirror_url(url, mirror=''):
    """The URL to request for the upstream `url`: <mirror>/<host>/<path> when a mirror is set.

    Every upstream request goes through the mirror, the GitHub release API included
    (https://api.github.com/repos/... -> <mirror>/api.github.com/repos/...). A URL that already
    points into the mirror is left alone, and so is everything when no mirror is set.
    """
    if url is None or url == '':
        return ''
    if not isinstance(url, string_types):
        raise AnsibleFilterError('mirror_url expects a URL string, got %s' % type(url).__name__)
    base = _base(mirror)
    url = url.strip()
    if not base or _under(url, base):
        return url
    if not _SCHEME.match(url):
        raise AnsibleFilterError('cannot map %r onto the mirror %s: not an absolute URL' % (url, base))
    return base + '/' + _SCHEME.sub('', url, count=1)


def mirror_path(url, mirror=''):
    """The path of `url` inside the mirror (what the mirror must hold), '' when it is not on the mirror."""
    base = _base(mirror)
    if not base or not isinstance(url, string_types) or not _under(url.strip(), base):
        return ''
    return url.strip()[len(base):].lstrip('/')


def mirror_source(url, mirror='', status=None):
    """How a message names a source: 'the mirror <mirror> has no <path>' when the mirror answered 404 for it.

    Anything else (no mirror, a URL off the mirror, another status) is named by its URL.
    """
    path = mirror_path(url, mirror)
    try:
        missing = int(status or 0) == 404
    except (TypeError, ValueError):
        missing = False
    if path and missing:
        return 'the mirror %s has no %s' % (_base(mirror), path)
    return url or ''


class FilterModule(object):
    def filters(self):
        return {
            'mirror_path': mirror_path,
            'mirror_source': mirror_source,
            'mirror_url': mirror_url,
        }
