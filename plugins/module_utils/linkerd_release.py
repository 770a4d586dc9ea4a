# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Linkerd release names (stable-X.Y.Z, edge-YY.M.P), shared by the policy and resilience logic."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

_RELEASE = re.compile(r'^(stable|edge)-(\d+)\.(\d+)\.(\d+)$')


def parse_release(version):
    """'edge-24.7.5' -> ('edge', (24, 7, 5)); None when it is not a Linkerd release name."""
    m = _RELEASE.match(version or '') if isinstance(version, str) else None
    if not m:
        return None
    return m.group(1), tuple(int(x) for x in m.groups()[1:])
