# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.meshlab.linkerd.plugins.module_utils import linkerd_cli as lc
from ansible_collections.meshlab.linkerd.plugins.modules import check
from ansible_collections.meshlab.linkerd.tests.unit.plugins.linkerd_fixtures import FIXTURES, fixture


class ModuleExit(Exception):
    def __init__(self, failed, result):
        super(ModuleExit, self).__init__(result.get('msg'))
        self.failed = failed
        self.result = result


@pytest.fixture(autouse=True)
def no_exit(monkeypatch):
    def exit_json(self, **kwargs):
        raise ModuleExit(False, kwargs)

    def fail_json(self, **kwargs):
        raise ModuleExit(True, kwargs)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)


@pytest.fixture
def linkerd(tmp_path):
    """A file that passes the 'is executable' test; it is never run (the runner is fake)."""
    p = tmp_path / 'linkerd'
    p.write_text(u'#!/bin/sh\nexit 99\n')
    os.chmod(str(p), 0o755)
    return str(p)


class FakeClock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class FakeCLI(object):
    """Replays (rc, stdout, stderr) tuples, or raises LinkerdCLIError, per `check` call."""

    def __init__(self, responses, clock=None, duration=0, version=u'stable-2.14.10\n'):
        self.responses = list(responses)
        self.calls = []
        self.timeouts = []
        self.clock = clock
        self.duration = duration
        self.version = version

    def __call__(self, argv, timeout):
        self.calls.append(list(argv))
        self.timeouts.append(timeout)
        if 'version' in argv:
            if self.version is None:
                return 127, u'', u'not found'
            return 0, self.version, u''
        if self.clock is not None:
            self.clock.now += self.duration
        resp = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(resp, Exception):
            raise resp
        return resp

    @property
    def check_calls(self):
        return [c for c in self.calls if 'version' not in c]


def ok(name, rc=0, stderr=u''):
    return (rc, fixture(name), stderr)


def run(args, cli, clock=None):
    clock = clock or FakeClock()
    with patch_module_args(args):
        module = check.build_module()
        with pytest.raises(ModuleExit) as e:
            check.run_module(module, runner=cli, clock=clock, sleep=clock.sleep)
    return e.value


# ------------------------------------------------------------------ success

def test_healthy_multi_document(linkerd):
    cli = FakeCLI([ok('check_healthy.json')])
    res = run({'linkerd_path': linkerd}, cli)
    assert not res.failed
    r = res.result
    assert r['changed'] is False
    assert r['success'] is True
    assert r['format'] == 'json'
    assert r['summary'] == {'success': 55, 'warning': 0, 'error': 0}
    assert r['categories'][-1]['name'] == 'linkerd-viz'
    assert r['failed_checks'] == [] and r['warning_checks'] == []
    assert r['attempts'] == 1 and r['rc'] == 0
    assert r['version'] == 'stable-2.14.10'
    # no wait given: the budget (timeout 0, one attempt) is the CLI's --wait too
    assert r['cmd'] == [linkerd, 'check', '--linkerd-namespace', 'linkerd', '--wait', '0s', '--output', 'json']
    assert r['failure_reason'] is None
    assert 'warnings' not in r
    check_ = r['categories'][0]['checks'][0]
    assert check_ == {'description': 'can initialize the client', 'result': 'success', 'error': None, 'hint': None}


def test_options_to_flags(linkerd, tmp_path):
    kc = tmp_path / 'admin.conf'
    kc.write_text(u'apiVersion: v1\n')
    cli = FakeCLI([ok('check_healthy.json')])
    res = run({'linkerd_path': linkerd, 'kubeconfig': str(kc), 'context': 'lab', 'linkerd_namespace': 'mesh',
               'proxy': True, 'namespace': 'emojivoto', 'expected_version': 'stable-2.14.10', 'wait': 90}, cli)
    assert res.result['cmd'] == [linkerd, 'check', '--kubeconfig', str(kc), '--context', 'lab',
                                 '--linkerd-namespace', 'mesh', '--proxy', '--namespace', 'emojivoto',
                                 '--expected-version', 'stable-2.14.10', '--wait', '90s', '--output', 'json']
    # per-call limit derived from wait
    assert cli.timeouts[-1] == 150


@pytest.mark.parametrize('opts, flags', [
    ({'pre': True}, ['--pre']),
    ({'crds': True}, ['--crds']),
    ({'proxy': True}, ['--proxy']),
])
def test_mode_flags(linkerd, opts, flags):
    fx = {'pre': 'check_pre.json', 'crds': 'check_crds.json', 'proxy': 'check_healthy.json'}[list(opts)[0]]
    cli = FakeCLI([ok(fx)])
    opts['linkerd_path'] = linkerd
    res = run(opts, cli)
    assert res.result['success']
    assert res.result['cmd'][2:-4] == ['--linkerd-namespace', 'linkerd'] + flags


def test_wait_follows_the_budget(linkerd):
    # the CLI's own --wait default (5m) would let one attempt outlast a 20 s budget (found against a
    # real API: linkerd viz check with viz_check_timeout 20 ran for minutes)
    cli = FakeCLI([ok('check_healthy.json')])
    res = run({'linkerd_path': linkerd, 'timeout': 20}, cli)
    assert res.result['cmd'][-4:] == ['--wait', '20s', '--output', 'json']
    assert cli.timeouts[-1] == 80


def test_extension_viz(linkerd):
    cli = FakeCLI([ok('viz_check_healthy.json')])
    res = run({'linkerd_path': linkerd, 'extension': 'viz', 'command_timeout': 20}, cli)
    assert res.result['cmd'][:3] == [linkerd, 'viz', 'check']
    assert res.result['success']
    assert cli.timeouts == [20, 20]


def test_check_mode_runs_the_same(linkerd):
    cli = FakeCLI([ok('check_healthy.json')])
    res = run({'linkerd_path': linkerd, '_ansible_check_mode': True}, cli)
    assert not res.failed and res.result['changed'] is False and res.result['success']


def test_warnings_pass_by_default(linkerd):
    cli = FakeCLI([ok('check_warnings.json')])
    res = run({'linkerd_path': linkerd}, cli)
    assert not res.failed
    assert res.result['success'] is True
    assert len(res.result['warning_checks']) == 3
    assert res.result['warning_checks'][2]['error'].startswith('some proxies are not running the current version:\n')
    assert res.result['summary'] == {'success': 52, 'warning': 3, 'error': 0}


def test_fail_on_warning(linkerd):
    cli = FakeCLI([ok('check_warnings.json')])
    res = run({'linkerd_path': linkerd, 'fail_on_warning': True}, cli)
    assert res.failed
    r = res.result
    assert r['success'] is False
    assert r['failure_reason'] == 'warnings'
    assert '3 warning(s) and fail_on_warning is set' in r['msg']
    assert ('- [linkerd-version] cli is up-to-date: unsupported version channel: stable-2.14.10 '
            '(hint: https://linkerd.io/2.14/checks/#l5d-version-cli)') in r['msg']
    assert r['failed_checks'] == []


def test_extension_cli_missing_is_a_warning(linkerd):
    cli = FakeCLI([ok('check_extension_cli_missing.json')])
    res = run({'linkerd_path': linkerd}, cli)
    assert not res.failed
    assert res.result['warning_checks'][0]['category'] == 'linkerd-smi'


# ------------------------------------------------------------------ failures

def test_not_installed(linkerd):
    cli = FakeCLI([ok('check_not_installed.json', rc=1)])
    res = run({'linkerd_path': linkerd}, cli)
    assert res.failed
    r = res.result
    assert r['success'] is False and r['rc'] == 1
    assert r['failure_reason'] == 'not_installed'
    assert 'Linkerd is not installed (no control plane found in namespace linkerd)' in r['msg']
    assert ("- [linkerd-existence] 'linkerd-config' config map exists: configmaps \"linkerd-config\" not found "
            "(hint: https://linkerd.io/2.14/checks/#l5d-existence-linkerd-config)") in r['msg']
    # categories after the fatal failure are absent, and that is fine
    assert [c['name'] for c in r['categories']] == ['kubernetes-api', 'kubernetes-version', 'linkerd-existence']
    assert r['summary'] == {'success': 3, 'warning': 0, 'error': 1}


def test_no_kubeconfig_from_cli(linkerd):
    cli = FakeCLI([ok('check_no_kubeconfig.json', rc=1, stderr=fixture('check_no_kubeconfig.stderr'))])
    res = run({'linkerd_path': linkerd}, cli)
    r = res.result
    assert r['failure_reason'] == 'kubeconfig_invalid'
    assert 'no usable kubeconfig' in r['msg']
    assert 'stderr: Failed to run extensions checks' in r['msg']


def test_kubeconfig_option_missing_file(linkerd, tmp_path):
    cli = FakeCLI([ok('check_healthy.json')])
    res = run({'linkerd_path': linkerd, 'kubeconfig': str(tmp_path / 'nope.conf')}, cli)
    assert res.failed
    assert res.result['failure_reason'] == 'kubeconfig_missing'
    assert 'does not exist' in res.result['msg']
    assert cli.calls == []
    assert res.result['attempts'] == 0 and res.result['categories'] == []


def test_api_unreachable(linkerd):
    cli = FakeCLI([ok('check_api_unreachable.json', rc=1)])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['failure_reason'] == 'api_unreachable'
    assert 'API server is unreachable' in r['msg']
    assert 'no route to host' in r['msg']


def test_viz_not_installed(linkerd):
    cli = FakeCLI([ok('viz_check_not_installed.json', rc=1)])
    r = run({'linkerd_path': linkerd, 'extension': 'viz'}, cli).result
    assert r['failure_reason'] == 'extension_missing'
    assert 'extension viz is not installed' in r['msg']


def test_multiline_error_in_msg(linkerd):
    cli = FakeCLI([ok('check_multiline.json', rc=1)])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['failure_reason'] == 'checks_failed'
    assert '2 check(s) failed' in r['msg']
    assert 'must run as root user. try installing linkerd via --set proxyInit.runAsRoot=true' in r['msg']
    assert r['failed_checks'][0]['error'].count('\n') == 1


def test_binary_missing(tmp_path):
    cli = FakeCLI([ok('check_healthy.json')])
    res = run({'linkerd_path': str(tmp_path / 'linkerd')}, cli)
    assert res.failed
    assert res.result['failure_reason'] == 'binary_missing'
    assert 'meshlab.linkerd.cli role' in res.result['msg']
    assert res.result['success'] is False and res.result['categories'] == [] and res.result['cmd'] == []


def test_binary_missing_default_search(monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(lc, 'FALLBACK_PATHS', (str(tmp_path / 'nope'),))
    monkeypatch.setattr(lc.find_linkerd, '__defaults__', (None, None, (str(tmp_path / 'nope'),)))
    res = run({}, FakeCLI([ok('check_healthy.json')]))
    assert res.result['failure_reason'] == 'binary_missing'


def test_binary_not_executable(tmp_path):
    p = tmp_path / 'linkerd'
    p.write_text(u'x')
    os.chmod(str(p), 0o644)
    res = run({'linkerd_path': str(p)}, FakeCLI([ok('check_healthy.json')]))
    assert res.result['failure_reason'] == 'not_executable'
    assert 'not an executable file' in res.result['msg']


def test_garbage_output(linkerd):
    cli = FakeCLI([ok('garbage.txt')])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['failure_reason'] == 'bad_output'
    assert 'neither JSON nor the check table' in r['msg']
    assert '502 Bad Gateway' in r['msg']
    assert r['format'] is None


def test_truncated_json(linkerd):
    r = run({'linkerd_path': linkerd}, FakeCLI([ok('check_truncated.json', rc=0)])).result
    assert r['failure_reason'] == 'bad_output'


def test_empty_output_nonzero_rc(linkerd):
    cli = FakeCLI([(1, u'', u'Error: something odd\n')])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['failure_reason'] == 'command_failed'
    assert 'rc=1 without check results: Error: something odd' in r['msg']


def test_unknown_extension_command(linkerd):
    err = (1, u'', u'Error: unknown command "jaeger" for "linkerd"\nRun \'linkerd --help\' for usage.\n')
    cli = FakeCLI([err])
    r = run({'linkerd_path': linkerd, 'extension': 'jaeger'}, cli).result
    assert r['failure_reason'] == 'extension_missing'
    assert 'has no jaeger command' in r['msg']
    # one try with --output json, one without (in case only the flag was the problem)
    assert len(cli.check_calls) == 2


def test_rc_nonzero_but_all_checks_passed(linkerd):
    cli = FakeCLI([ok('check_healthy.json', rc=1, stderr=u'Failed to run extensions checks: forbidden\n')])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['success'] is False
    assert r['failure_reason'] == 'command_failed'
    assert 'although no single check failed' in r['msg']
    assert 'forbidden' in r['msg']


def test_hanging_cli(linkerd):
    err = lc.LinkerdCLIError('The Linkerd CLI did not finish within 5 seconds and was killed: x', 'timeout',
                             cmd=[linkerd, 'check'])
    cli = FakeCLI([err])
    r = run({'linkerd_path': linkerd, 'command_timeout': 5}, cli).result
    assert r['failure_reason'] == 'timeout'
    assert 'could not be run' in r['msg'] and 'did not finish within 5 seconds' in r['msg']
    assert r['rc'] is None


def test_table_fallback_when_json_flag_rejected(linkerd):
    cli = FakeCLI([(1, u'', u"Error: unknown shorthand flag: 'o' in -o\n"),
                   ok('check_warnings_table.txt')])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['success'] is True
    assert r['format'] == 'table'
    assert r['cmd'][-1] != 'json' and '--output' not in r['cmd']
    assert len(r['warning_checks']) == 3
    assert len(cli.check_calls) == 2


def test_table_output_even_when_json_requested(linkerd):
    cli = FakeCLI([ok('check_not_installed_table.txt', rc=1)])
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['format'] == 'table'
    assert r['failure_reason'] == 'not_installed'


def test_version_unknown(linkerd):
    cli = FakeCLI([ok('check_healthy.json')], version=None)
    r = run({'linkerd_path': linkerd}, cli).result
    assert r['version'] is None and r['success']


# ------------------------------------------------------------ option rules

@pytest.mark.parametrize('args, text', [
    ({'pre': True, 'crds': True}, 'mutually exclusive'),
    ({'pre': True, 'proxy': True}, 'mutually exclusive'),
    ({'crds': True, 'proxy': True}, 'mutually exclusive'),
    ({'namespace': 'emojivoto'}, 'only valid with proxy=true'),
    ({'extension': 'viz', 'pre': True}, 'not available with extension'),
    ({'timeout': -1}, 'must not be negative'),
    ({'extension': 'viz; rm -rf /'}, 'plain name'),
])
def test_invalid_option_combinations(linkerd, args, text):
    cli = FakeCLI([ok('check_healthy.json')])
    args['linkerd_path'] = linkerd
    res = run(args, cli)
    assert res.failed and text in res.result['msg']
    assert cli.calls == []


def test_false_booleans_do_not_conflict(linkerd):
    cli = FakeCLI([ok('check_crds.json')])
    res = run({'linkerd_path': linkerd, 'pre': False, 'crds': True, 'proxy': False}, cli)
    assert not res.failed


# ------------------------------------------------------------- retry loop

def test_retry_until_healthy(linkerd):
    clock = FakeClock()
    cli = FakeCLI([ok('check_not_installed.json', rc=1), ok('check_control_plane_not_ready.json', rc=1),
                   ok('check_healthy.json')], clock=clock, duration=3)
    r = run({'linkerd_path': linkerd, 'timeout': 120, 'interval': 15}, cli, clock).result
    assert r['success'] is True
    assert r['attempts'] == 3
    assert clock.sleeps == [15, 15]
    assert len(cli.check_calls) == 3


def test_retry_gives_up_after_budget(linkerd):
    clock = FakeClock()
    cli = FakeCLI([ok('check_control_plane_not_ready.json', rc=1)], clock=clock, duration=10)
    r = run({'linkerd_path': linkerd, 'timeout': 45, 'interval': 10}, cli, clock).result
    # t=10 sleep10 t=30 sleep10 t=50 stop
    assert r['attempts'] == 3
    assert clock.sleeps == [10, 10]
    assert 'failed after 3 attempts' in r['msg']
    assert "control plane pods are ready: No running pods for \"linkerd-destination\"" in r['msg']
    assert r['failure_reason'] == 'checks_failed'


def test_retry_survives_a_hanging_call(linkerd):
    clock = FakeClock()
    cli = FakeCLI([lc.LinkerdCLIError('hung', 'timeout'), ok('check_healthy.json')], clock=clock, duration=5)
    r = run({'linkerd_path': linkerd, 'timeout': 60, 'interval': 5}, cli, clock).result
    assert r['success'] and r['attempts'] == 2


def test_no_retry_without_timeout(linkerd):
    clock = FakeClock()
    cli = FakeCLI([ok('check_not_installed.json', rc=1), ok('check_healthy.json')], clock=clock)
    r = run({'linkerd_path': linkerd}, cli, clock).result
    assert r['attempts'] == 1 and clock.sleeps == []


def test_retry_on_warning_with_fail_on_warning(linkerd):
    clock = FakeClock()
    cli = FakeCLI([ok('check_warnings.json'), ok('check_healthy.json')], clock=clock)
    r = run({'linkerd_path': linkerd, 'timeout': 30, 'interval': 5, 'fail_on_warning': True}, cli, clock).result
    assert r['success'] and r['attempts'] == 2


# -------------------------------------------------------------- main() e2e

def test_main_against_stand_in_script(tmp_path, capsys, monkeypatch):
    """main() with the real subprocess runner and a tiny stand-in CLI script."""
    fx = os.path.join(FIXTURES, 'check_warnings.json')
    log = tmp_path / 'argv.log'
    stand_in = tmp_path / 'linkerd'
    stand_in.write_text(u'#!/bin/sh\necho "$@" >> %s\n'
                        u'if [ "$1" = version ]; then echo stable-2.14.10; exit 0; fi\n'
                        u'cat %s\n' % (log, fx))
    os.chmod(str(stand_in), 0o755)
    monkeypatch.setattr(check, 'run_module', check.run_module)
    with patch_module_args({'linkerd_path': str(stand_in), 'expected_version': 'stable-2.14.10'}):
        with pytest.raises(ModuleExit) as e:
            check.main()
    r = e.value.result
    assert not e.value.failed
    assert r['version'] == 'stable-2.14.10'
    assert len(r['warning_checks']) == 3
    assert log.read_text().splitlines() == [
        'version --client --short',
        'check --linkerd-namespace linkerd --expected-version stable-2.14.10 --wait 0s --output json']
    json.dumps(r)   # result must be serialisable


def test_main_hanging_stand_in(tmp_path):
    stand_in = tmp_path / 'linkerd'
    stand_in.write_text(u'#!/bin/sh\nif [ "$1" = version ]; then echo stable-2.14.10; exit 0; fi\nsleep 60\n')
    os.chmod(str(stand_in), 0o755)
    with patch_module_args({'linkerd_path': str(stand_in), 'command_timeout': 1}):
        with pytest.raises(ModuleExit) as e:
            check.main()
    assert e.value.failed
    assert e.value.result['failure_reason'] == 'timeout'
    assert 'did not finish within 1 seconds' in e.value.result['msg']
