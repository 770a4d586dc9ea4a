# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.meshlab.linkerd.plugins.modules import artifact_state as state

# The module wants root-owned files (what the pipeline installs); the tests create them as the
# user running them, so they only make sense as root (CI runs as root).
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='files must be owned by root')

COMPLETION = '# bash completion for tool\ncomplete -F _tool tool'


def params(tmp_path, **over):
    base = {
        'path': str(tmp_path / 'opt' / 'tool'),
        'mode': '0755',
        'link': str(tmp_path / 'bin' / 'tool'),
        'version_argv': [],
        'version_regex': '',
        'completion_argv': [],
        'completion_path': str(tmp_path / 'completion' / 'tool'),
        'command_timeout': 5,
    }
    base.update(over)
    return base


def install(tmp_path, mode=0o755, link=True, completion=None):
    (tmp_path / 'opt').mkdir(exist_ok=True)
    (tmp_path / 'bin').mkdir(exist_ok=True)
    (tmp_path / 'completion').mkdir(exist_ok=True)
    target = tmp_path / 'opt' / 'tool'
    target.write_text('#!/bin/sh\n')
    target.chmod(mode)
    if link:
        os.symlink(str(target), str(tmp_path / 'bin' / 'tool'))
    if completion is not None:
        path = tmp_path / 'completion' / 'tool'
        path.write_text(completion)
        path.chmod(0o644)


class Runner(object):
    """Stand-in for the command runner: answers per first argument after the binary, counts calls."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv, timeout):
        self.calls.append(list(argv))
        return self.answers[argv[1]]


def test_installed_linked_and_answering_is_up_to_date(tmp_path):
    install(tmp_path, completion=COMPLETION + '\n')
    runner = Runner({'version': (0, 'Client Version: v1.32.4\n', ''), 'completion': (0, COMPLETION, '')})
    result = state.look(params(tmp_path, version_argv=['tool', 'version'], version_regex=r'v1[.]32[.]4(\s|$)',
                               completion_argv=['tool', 'completion', 'bash']), runner)
    assert result['up_to_date'] is True
    assert result['version_ok'] is True and result['completion_ok'] is True
    assert result['version_stdout'] == 'Client Version: v1.32.4'
    assert result['reasons'] == []
    assert 'completion_stdout' not in result
    assert len(runner.calls) == 2


def test_missing_file_asks_no_command(tmp_path):
    runner = Runner({})
    result = state.look(params(tmp_path, version_argv=['tool', 'version'], version_regex='x',
                               completion_argv=['tool', 'completion', 'bash']), runner)
    assert result['installed'] is False and result['up_to_date'] is False
    assert result['version_ok'] is None and result['completion_ok'] is None
    assert runner.calls == []
    assert result['reasons'][0].endswith('opt/tool is missing')


def test_wrong_mode_needs_install(tmp_path):
    install(tmp_path, mode=0o700)
    result = state.look(params(tmp_path), Runner({}))
    assert result['installed'] is False
    assert 'has mode 0700, not 0755' in result['reasons'][0]


def test_manifest_mode_without_link(tmp_path):
    install(tmp_path, mode=0o644, link=False)
    result = state.look(params(tmp_path, mode='0644', link=''), Runner({}))
    assert result['up_to_date'] is True and result['link_ok'] is True


@pytest.mark.parametrize('kind', ['missing', 'elsewhere', 'file'])
def test_link_not_pointing_at_the_version(tmp_path, kind):
    install(tmp_path, link=False)
    link = tmp_path / 'bin' / 'tool'
    if kind == 'elsewhere':
        os.symlink('/opt/meshlab/tool/old/tool', str(link))
    elif kind == 'file':
        link.write_text('copy')
    runner = Runner({'version': (0, 'x', '')})
    result = state.look(params(tmp_path, version_argv=['tool', 'version'], version_regex='x'), runner)
    assert result['installed'] is True and result['link_ok'] is False and result['up_to_date'] is False
    # the versioned file is asked, not whatever the link points at
    assert result['version_ok'] is True


def test_wrong_version_is_reported(tmp_path):
    install(tmp_path)
    runner = Runner({'version': (0, 'Client Version: v1.31.0', '')})
    result = state.look(params(tmp_path, version_argv=['tool', 'version'], version_regex=r'v1[.]32[.]4'), runner)
    assert result['version_ok'] is False and result['up_to_date'] is False
    assert "reports 'Client Version: v1.31.0'" in result['reasons'][0]


def test_failing_version_command_is_not_ok(tmp_path):
    install(tmp_path)
    runner = Runner({'version': (126, 'v1.32.4', 'exec format error')})
    result = state.look(params(tmp_path, version_argv=['tool', 'version'], version_regex=r'v1[.]32[.]4'), runner)
    assert result['version_ok'] is False


@pytest.mark.parametrize('content', [None, COMPLETION, COMPLETION + '\nold\n'])
def test_completion_missing_or_stale_returns_what_to_write(tmp_path, content):
    install(tmp_path, completion=content)
    runner = Runner({'completion': (0, COMPLETION, '')})
    result = state.look(params(tmp_path, completion_argv=['tool', 'completion', 'bash']), runner)
    assert result['completion_ok'] is False and result['up_to_date'] is False
    assert result['completion_stdout'] == COMPLETION


def test_completion_command_failing_is_not_ok(tmp_path):
    install(tmp_path, completion=COMPLETION + '\n')
    runner = Runner({'completion': (1, '', 'unknown command "completion"')})
    result = state.look(params(tmp_path, completion_argv=['tool', 'completion', 'bash']), runner)
    assert result['completion_ok'] is False
    assert 'unknown command' in result['reasons'][0]


def test_run_bounds_a_hanging_command():
    rc, dummy, err = state.run(['sleep', '5'], 0.2)
    assert rc == 124 and 'within' in err


def test_run_missing_command():
    rc, dummy, dummy = state.run(['/nonexistent/tool', 'version'], 5)
    assert rc == 127


def test_run_real_command():
    assert state.run(['echo', 'v1.32.4'], 5) == (0, 'v1.32.4\n', '')


def test_completion_output_ending_in_newlines_matches_what_the_pipeline_wrote(tmp_path):
    # completion.yml writes the command's stdout (Ansible strips trailing newlines) plus one newline
    install(tmp_path, completion=COMPLETION + '\n')
    runner = Runner({'completion': (0, COMPLETION + '\n\n', '')})
    result = state.look(params(tmp_path, completion_argv=['tool', 'completion', 'bash']), runner)
    assert result['completion_ok'] is True
