# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.filter.mirror import FilterModule, mirror_path, mirror_source, mirror_url

API = 'https://api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.8.3'
CLI = 'https://github.com/linkerd/linkerd2/releases/download/edge-26.8.3/linkerd2-cli-edge-26.8.3-linux-amd64'
MIRROR = 'http://172.17.0.1:8080/mirror'


def test_filters_are_registered():
    assert FilterModule().filters() == {'mirror_url': mirror_url, 'mirror_path': mirror_path, 'mirror_source': mirror_source}


class TestMirrorUrl(object):
    def test_no_mirror_leaves_urls_alone(self):
        assert mirror_url(CLI, '') == CLI
        assert mirror_url(CLI) == CLI
        assert mirror_url(API, None) == API

    def test_release_api_goes_through_the_mirror(self):
        assert mirror_url(API, MIRROR) == MIRROR + '/api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.8.3'

    def test_download_goes_through_the_mirror(self):
        assert mirror_url(CLI, MIRROR) == MIRROR + '/github.com/linkerd/linkerd2/releases/download/edge-26.8.3/linkerd2-cli-edge-26.8.3-linux-amd64'

    @pytest.mark.parametrize('mirror', [MIRROR + '/', MIRROR + '//', ' ' + MIRROR + ' '])
    def test_trailing_slashes_and_blanks(self, mirror):
        assert mirror_url(API, mirror) == MIRROR + '/api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.8.3'

    def test_http_and_ports_keep_the_host(self):
        assert mirror_url('http://dl.k8s.io:8443/release/v1.32.4/bin/linux/amd64/kubectl', MIRROR) == \
            MIRROR + '/dl.k8s.io:8443/release/v1.32.4/bin/linux/amd64/kubectl'

    def test_url_already_on_the_mirror_is_kept(self):
        on_mirror = MIRROR + '/api.github.com/repos/x'
        assert mirror_url(on_mirror, MIRROR) == on_mirror
        assert mirror_url(MIRROR, MIRROR) == MIRROR

    def test_same_host_other_path_is_rewritten(self):
        # http://172.17.0.1:8080/mirror-other is not inside http://172.17.0.1:8080/mirror
        assert mirror_url('http://172.17.0.1:8080/mirror-other/x', MIRROR) == MIRROR + '/172.17.0.1:8080/mirror-other/x'

    def test_empty_url(self):
        assert mirror_url('', MIRROR) == ''
        assert mirror_url(None, MIRROR) == ''

    @pytest.mark.parametrize('url,mirror,needle', [
        ('github.com/x', MIRROR, 'not an absolute URL'),
        (CLI, 'mirror.lab/files', 'must be a URL'),
        (CLI, 42, 'must be a URL string'),
        (['x'], MIRROR, 'expects a URL string'),
    ])
    def test_malformed(self, url, mirror, needle):
        with pytest.raises(AnsibleFilterError, match=needle):
            mirror_url(url, mirror)


class TestMirrorPath(object):
    def test_path_inside_the_mirror(self):
        assert mirror_path(mirror_url(API, MIRROR), MIRROR) == 'api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.8.3'

    def test_not_on_the_mirror(self):
        assert mirror_path(API, MIRROR) == ''
        assert mirror_path(API, '') == ''
        assert mirror_path(None, MIRROR) == ''


class TestMirrorSource(object):
    def test_mirror_answered_404(self):
        url = mirror_url(API, MIRROR + '/')
        assert mirror_source(url, MIRROR + '/', 404) == \
            'the mirror %s has no api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.8.3' % MIRROR
        assert mirror_source(url, MIRROR, '404').startswith('the mirror ')

    @pytest.mark.parametrize('status', [200, 0, -1, 500, None, 'x'])
    def test_other_statuses_name_the_url(self, status):
        url = mirror_url(API, MIRROR)
        assert mirror_source(url, MIRROR, status) == url

    def test_without_mirror_the_url(self):
        assert mirror_source(API, '', 404) == API
        assert mirror_source('', MIRROR, 404) == ''
