# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recorded Linkerd outputs used by the unit tests (files in fixtures/linkerd/)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import os

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'linkerd')


def fixture(name):
    """Return the text of one fixture file, line endings untouched."""
    with io.open(os.path.join(FIXTURES, name), encoding='utf-8', newline='') as f:
        return f.read()
