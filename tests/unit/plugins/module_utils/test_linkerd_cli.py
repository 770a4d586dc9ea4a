# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import os
import stat
import time

import pytest

from ansible_collections.meshlab.linkerd.plugins.module_utils import linkerd_cli as lc
from ansible_collections.meshlab.linkerd.tests.unit.plugins.linkerd_fixtures import fixture


def flat(parsed):
    return [(c['name'], k['description'], k['result']) for c in parsed['categories'] for k in c['checks']]


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


# --------------------------------------------------------------------- JSON

def test_json_stream_multiple_documents():
    docs, leftover = lc.parse_json_stream(fixture('check_healthy.json'))
    assert len(docs) == 2
    assert leftover == u''


def test_whole_output_is_not_one_json_document():
    # the trap this parser exists for
    import json
    with pytest.raises(ValueError):
        json.loads(fixture('check_healthy.json'))


def test_parse_json_combines_documents_in_order():
    parsed = lc.parse_check_json(fixture('check_healthy.json'))
    assert parsed['format'] == 'json'
    assert parsed['documents'] == 2
    assert parsed['reported_success'] is True
    names = [c['name'] for c in parsed['categories']]
    assert names[0] == 'kubernetes-api'
    assert names[-1] == 'linkerd-viz'
    assert len(names) == 10
    failed, warned, summary = lc.summarize(parsed['categories'])
    assert failed == [] and warned == []
    assert summary == {'success': 55, 'warning': 0, 'error': 0}


def test_parse_json_warnings_are_not_errors():
    parsed = lc.parse_check_json(fixture('check_warnings.json'))
    assert parsed['reported_success'] is True
    failed, warned, summary = lc.summarize(parsed['categories'])
    assert failed == []
    assert [w['description'] for w in warned] == [
        'cli is up-to-date', 'control plane is up-to-date', 'viz extension proxies are up-to-date']
    assert warned[0] == {'category': 'linkerd-version', 'description': 'cli is up-to-date',
                         'error': 'unsupported version channel: stable-2.14.10',
                         'hint': 'https://linkerd.io/2.14/checks/#l5d-version-cli'}
    assert summary['warning'] == 3 and summary['error'] == 0


def test_parse_json_missing_categories_after_fatal():
    parsed = lc.parse_check_json(fixture('check_not_installed.json'))
    assert [c['name'] for c in parsed['categories']] == ['kubernetes-api', 'kubernetes-version', 'linkerd-existence']
    assert parsed['reported_success'] is False
    failed, warned, summary = lc.summarize(parsed['categories'])
    assert failed == [{'category': 'linkerd-existence', 'description': "'linkerd-config' config map exists",
                       'error': 'configmaps "linkerd-config" not found',
                       'hint': 'https://linkerd.io/2.14/checks/#l5d-existence-linkerd-config'}]


def test_parse_json_multiline_error_and_description():
    parsed = lc.parse_check_json(fixture('check_multiline.json'))
    failed, dummy, summary = lc.summarize(parsed['categories'])
    assert failed[0]['error'] == ('there are nodes using the docker container runtime and proxy-init container '
                                  'must run as root user.\ntry installing linkerd via --set proxyInit.runAsRoot=true')
    assert failed[1]['category'] == 'linkerd-multicluster'
    assert failed[1]['error'].startswith('Some gateways are not alive:\n\t* cluster: [east]')
    descs = [k['description'] for c in parsed['categories'] for k in c['checks']]
    assert 'Link resources are valid\n\t* east' in descs
    assert parsed['reported_success'] is False


def test_parse_json_skips_noise_before_document():
    parsed = lc.parse_check_json(fixture('check_json_with_noise.json'))
    assert parsed['documents'] == 2
    assert 'Config not found' in parsed['unparsed']


def test_parse_json_truncated_is_not_json():
    assert lc.parse_check_json(fixture('check_truncated.json')) is None
    assert lc.parse_check_output(fixture('check_truncated.json')) is None


def test_parse_json_document_without_categories_is_not_check_output():
    assert lc.parse_check_output(fixture('not_check_output.json')) is None


def test_parse_json_unknown_result_string():
    text = u'{"success": false, "categories": [{"categoryName": "x", "checks": [' \
           u'{"description": "a", "result": "skipped"}, {"description": "b", "result": "odd", "error": "boom"}]}]}'
    parsed = lc.parse_check_json(text)
    assert [k['result'] for k in parsed['categories'][0]['checks']] == ['success', 'error']


def test_parse_json_null_categories():
    parsed = lc.parse_check_json(u'{"success": false, "categories": null}\n')
    assert parsed['categories'] == []


def test_upstream_golden_json():
    # verbatim copy of linkerd2 cli/cmd/testdata/check_output_json.golden, see fixture file
    parsed = lc.parse_check_output(fixture('upstream_check_output_json.golden'))
    assert flat(parsed) == [('category', 'check1', 'success'), ('category', 'check2', 'error')]
    assert parsed['categories'][0]['checks'][1]['hint'] == 'https://linkerd.io/2/checks/#hint-anchor'


# -------------------------------------------------------------------- table

def test_table_matches_json():
    for base in ('check_healthy', 'check_warnings', 'check_multiline', 'check_control_plane_not_ready'):
        from_json = lc.parse_check_json(fixture(base + '.json'))
        from_table = lc.parse_check_table(fixture(base + '_table.txt'))
        assert from_table['format'] == 'table'
        assert from_table['categories'] == from_json['categories'], base
        assert from_table['reported_success'] == from_json['reported_success'], base


def test_table_old_section_headers_are_ignored():
    parsed = lc.parse_check_table(fixture('check_healthy_table_old_headers.txt'))
    assert parsed['categories'] == lc.parse_check_json(fixture('check_healthy.json'))['categories']


def test_table_not_installed_with_footer():
    parsed = lc.parse_check_output(fixture('check_not_installed_table.txt'))
    assert parsed['format'] == 'table'
    assert parsed['reported_success'] is False
    failed, dummy, summary = lc.summarize(parsed['categories'])
    assert failed == [{'category': 'linkerd-existence', 'description': "'linkerd-config' config map exists",
                       'error': 'configmaps "linkerd-config" not found',
                       'hint': 'https://linkerd.io/2/checks/#l5d-existence-linkerd-config'}]
    assert summary == {'success': 3, 'warning': 0, 'error': 1}


def test_table_crlf_and_doubled_blank_lines():
    a = lc.parse_check_table(fixture('check_not_installed_table.txt'))
    # the same output pasted from a Windows terminal: CRLF and doubled blank lines
    b = lc.parse_check_table(fixture('check_not_installed_table.txt').replace(u'\n', u'\r\n\r\n'))
    assert a['categories'] == b['categories']


def test_table_lookalike_glyphs_from_course_notes():
    parsed = lc.parse_check_output(fixture('seed_pre_lookalike_table.txt'))
    assert parsed['format'] == 'table'
    assert [c['name'] for c in parsed['categories']] == [
        'kubernetes-api', 'kubernetes-version', 'pre-kubernetes-setup', 'linkerd-version']
    assert lc.summarize(parsed['categories'])[2] == {'success': 16, 'warning': 0, 'error': 0}
    assert parsed['reported_success'] is True


def test_table_ansi_colours_are_stripped():
    text = u'kubernetes-api\n--------------\n\x1b[32;1m\u221a\x1b[0m can initialize the client\n'
    parsed = lc.parse_check_table(text)
    assert flat(parsed) == [('kubernetes-api', 'can initialize the client', 'success')]
    assert parsed['reported_success'] is None


def test_table_short_format_without_categories_for_success():
    text = (u'linkerd-version\n---------------\n\u203c cli is up-to-date\n    is running version 2.14.4 but the '
            u'latest stable version is 2.14.10\n    see https://linkerd.io/2.14/checks/#l5d-version-cli for hints\n\n'
            u'Status check results are \u221a\n')
    parsed = lc.parse_check_table(text)
    dummy, warned, summary = lc.summarize(parsed['categories'])
    assert warned[0]['error'].startswith('is running version 2.14.4')
    assert summary == {'success': 0, 'warning': 1, 'error': 0}


def test_upstream_golden_table():
    parsed = lc.parse_check_output(fixture('upstream_check_output.golden'))
    assert parsed['format'] == 'table'
    assert parsed['categories'] == lc.parse_check_json(fixture('upstream_check_output_json.golden'))['categories']


def test_garbage_is_neither():
    assert lc.parse_check_output(fixture('garbage.txt')) is None
    assert lc.parse_check_output(u'') is None
    assert lc.parse_check_output(b'\xff\xfe\x00binary') is None


# ---------------------------------------------------------------- diagnose

@pytest.mark.parametrize('name, expected', [
    ('check_not_installed.json', 'Linkerd is not installed'),
    ('check_no_kubeconfig.json', 'Kubernetes client could not be configured'),
    ('check_api_unreachable.json', 'API server is unreachable'),
    ('viz_check_not_installed.json', 'extension linkerd-viz is not installed'),
    ('check_pre_namespace_exists.json', 'already exists'),
    ('check_crds_missing.json', 'CRDs are not installed'),
    # recorded from edge-26.1.1's `linkerd viz check` against a real API server with kwok nodes (no
    # kubelet to port-forward to): not a kubeconfig problem, although the check is "can initialize the client"
    ('viz_check_pod_unreachable.json', 'could not reach a pod through the Kubernetes API'),
])
def test_diagnose(name, expected):
    failed = lc.summarize(lc.parse_check_output(fixture(name))['categories'])[0]
    assert expected in lc.diagnose(failed)


def test_diagnose_unknown_failure():
    failed = lc.summarize(lc.parse_check_output(fixture('check_control_plane_not_ready.json'))['categories'])[0]
    assert lc.diagnose(failed) is None


# ------------------------------------------------------------- find binary

def _exe(path, content=u'#!/bin/sh\necho stable-2.14.10\n', mode=0o755):
    with io.open(str(path), 'w') as f:
        f.write(content)
    os.chmod(str(path), mode)
    return str(path)


def test_find_explicit_path(tmp_path):
    exe = _exe(tmp_path / 'linkerd')
    assert lc.find_linkerd(exe) == exe


def test_find_explicit_missing(tmp_path):
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.find_linkerd(str(tmp_path / 'nope'))
    assert e.value.reason == 'binary_missing'
    assert 'meshlab.linkerd.cli role' in e.value.msg


def test_find_explicit_not_executable(tmp_path):
    exe = _exe(tmp_path / 'linkerd', mode=0o644)
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.find_linkerd(exe)
    assert e.value.reason == 'not_executable'


def test_find_explicit_directory(tmp_path):
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.find_linkerd(str(tmp_path))
    assert e.value.reason == 'not_executable'


def test_find_on_path_before_fallback(tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    on_path = _exe(tmp_path / 'b' / 'linkerd')
    fallback = _exe(tmp_path / 'fallback')
    found = lc.find_linkerd(None, search_path=os.pathsep.join([str(tmp_path / 'a'), str(tmp_path / 'b')]),
                            fallbacks=(fallback,))
    assert found == on_path


def test_find_fallback_cli_role_location(tmp_path):
    fallback = _exe(tmp_path / 'fallback')
    assert lc.find_linkerd(None, search_path=str(tmp_path / 'empty'), fallbacks=(fallback,)) == fallback
    assert lc.FALLBACK_PATHS[0] == '/usr/local/bin/linkerd'


def test_find_fallback_not_executable(tmp_path):
    fallback = _exe(tmp_path / 'fallback', mode=0o600)
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.find_linkerd(None, search_path=str(tmp_path / 'empty'), fallbacks=(fallback,))
    assert e.value.reason == 'not_executable'


def test_find_nothing(tmp_path):
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.find_linkerd(None, search_path=str(tmp_path), fallbacks=(str(tmp_path / 'x'),))
    assert e.value.reason == 'binary_missing'
    assert 'install it with the meshlab.linkerd.cli role' in e.value.msg.lower()


# --------------------------------------------------------------- kubeconfig

def test_kubeconfig_none():
    assert lc.check_kubeconfig(None) is None


def test_kubeconfig_missing(tmp_path):
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.check_kubeconfig(str(tmp_path / 'admin.conf'))
    assert e.value.reason == 'kubeconfig_missing'
    assert 'does not exist' in e.value.msg


@pytest.mark.skipif(os.geteuid() == 0, reason='root can read anything')
def test_kubeconfig_unreadable(tmp_path):
    p = tmp_path / 'kc'
    p.write_text(u'x')
    os.chmod(str(p), 0)
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.check_kubeconfig(str(p))
    assert 'not readable' in e.value.msg


def test_kubeconfig_ok(tmp_path):
    p = tmp_path / 'kc'
    p.write_text(u'apiVersion: v1\n')
    assert lc.check_kubeconfig(str(p)) == str(p)


def test_global_args():
    assert lc.global_args() == []
    assert lc.global_args('/k', 'ctx', 'linkerd') == [
        '--kubeconfig', '/k', '--context', 'ctx', '--linkerd-namespace', 'linkerd']


def test_default_command_timeout():
    assert lc.default_command_timeout(None) == 360
    assert lc.default_command_timeout(30) == 90


# ----------------------------------------------------------------- running

def test_run_cli_ok(tmp_path):
    exe = _exe(tmp_path / 'linkerd', u'#!/bin/sh\necho "$@"\necho err >&2\nexit 3\n')
    rc, out, err = lc.run_cli([exe, 'check', '--output', 'json'], 10)
    assert (rc, out, err) == (3, u'check --output json\n', u'err\n')


def test_run_cli_timeout_kills_process_group(tmp_path):
    marker = tmp_path / 'child-survived'
    exe = _exe(tmp_path / 'linkerd',
               u'#!/bin/sh\n(sleep 3; touch %s) &\necho partial\nsleep 30\n' % marker)
    start = time.time()
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.run_cli([exe, 'check'], 1)
    assert time.time() - start < 10
    assert e.value.reason == 'timeout'
    assert 'did not finish within 1 seconds' in e.value.msg
    assert e.value.details['stdout'] == u'partial\n'
    time.sleep(3.5)
    assert not marker.exists()


def test_run_cli_missing(tmp_path):
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.run_cli([str(tmp_path / 'nope')], 5)
    assert e.value.reason == 'binary_missing'


def test_run_cli_permission_denied(tmp_path):
    exe = _exe(tmp_path / 'linkerd', mode=0o644)
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.run_cli([exe], 5)
    assert e.value.reason == 'not_executable'


def test_run_cli_exec_format_error(tmp_path):
    exe = tmp_path / 'linkerd'
    exe.write_bytes(b'\x7fELF\x02\x01\x01garbage-for-another-arch')
    os.chmod(str(exe), stat.S_IRWXU)
    with pytest.raises(lc.LinkerdCLIError) as e:
        lc.run_cli([str(exe)], 5)
    assert e.value.reason == 'not_executable'
    assert 'exec format error' in e.value.msg


def test_cli_version():
    assert lc.cli_version('linkerd', runner=lambda argv, t: (0, u'stable-2.14.10\n', u'')) == 'stable-2.14.10'
    assert lc.cli_version('linkerd', runner=lambda argv, t: (0, u'Client version: edge-24.1.1\n', u'')) == 'edge-24.1.1'
    assert lc.cli_version('linkerd', runner=lambda argv, t: (1, u'', u'boom')) is None

    def boom(argv, t):
        raise lc.LinkerdCLIError('x', 'timeout')
    assert lc.cli_version('linkerd', runner=boom) is None


def test_looks_like_unknown_flag():
    assert lc.looks_like_unknown_flag(u"Error: unknown shorthand flag: 'o' in -o")
    assert lc.looks_like_unknown_flag(u'Error: unknown flag: --output')
    assert not lc.looks_like_unknown_flag(u'connection refused')


# ----------------------------------------------------------------- retrying

def test_retry_single_attempt_when_timeout_zero():
    clock = FakeClock()
    calls = []
    result, attempts, elapsed = lc.retry_until(lambda: calls.append(1) or False, bool, timeout=0,
                                               interval=5, clock=clock, sleep=clock.sleep)
    assert (result, attempts, elapsed) == (False, 1, 0)
    assert clock.sleeps == []


def test_retry_until_success():
    clock = FakeClock()
    outcomes = iter([False, False, True, False])
    result, attempts, elapsed = lc.retry_until(lambda: next(outcomes), bool, timeout=60, interval=10,
                                               clock=clock, sleep=clock.sleep)
    assert (result, attempts) == (True, 3)
    assert clock.sleeps == [10, 10]
    assert elapsed == 20


def test_retry_budget_exhausted_with_last_attempt_at_deadline():
    clock = FakeClock()

    def attempt():
        clock.now += 7      # every attempt takes 7 s
        return False
    result, attempts, elapsed = lc.retry_until(attempt, bool, timeout=30, interval=10,
                                               clock=clock, sleep=clock.sleep)
    # t=7 sleep 10 -> t=24 sleep 6 (shortened to the deadline) -> t=37 stop
    assert attempts == 3
    assert clock.sleeps == [10, 6]
    assert elapsed == 37


def test_retry_attempt_longer_than_budget():
    clock = FakeClock()

    def attempt():
        clock.now += 100
        return False
    dummy, attempts, dummy2 = lc.retry_until(attempt, bool, timeout=30, interval=10,
                                             clock=clock, sleep=clock.sleep)
    assert attempts == 1
    assert clock.sleeps == []
