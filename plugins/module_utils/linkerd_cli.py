# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared runner for the Linkerd CLI.

Used by ``meshlab.linkerd.check`` and meant to be reused by the ``viz stat`` /
``viz edges`` modules. It knows how to

* find the ``linkerd`` binary (PATH, then the install location of the
  ``meshlab.linkerd.cli`` role),
* build the common argv (``--kubeconfig``, ``--context``, ``--linkerd-namespace``),
* run the CLI with a hard per-call time limit (``module.run_command`` has no
  timeout, a hanging CLI must never hang the play),
* parse ``linkerd check`` output: the stream of JSON documents printed by
  ``-o json`` (core checks, then one document per extension) and, as a
  fallback, the human table format (``√ ‼ ×``),
* re-run a whole operation until it succeeds or a time budget is used up,
  with an injectable clock and sleep so unit tests never really sleep.

Nothing in here imports AnsibleModule: errors are raised as LinkerdCLIError
with a user-facing message, the module turns them into ``fail_json``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json
import os
import re
import signal
import subprocess
import time

# Where the meshlab.linkerd.cli role installs the CLI, then where the upstream
# install script (run.linkerd.io/install) puts it.
CLI_ROLE_PATH = '/usr/local/bin/linkerd'
FALLBACK_PATHS = (CLI_ROLE_PATH, '~/.linkerd2/bin/linkerd')

DEFAULT_LINKERD_WAIT = 300        # linkerd's own default for --wait (5m)
COMMAND_TIMEOUT_MARGIN = 60       # extra seconds given to one CLI call on top of --wait
VERSION_TIMEOUT = 30

RESULT_SUCCESS = 'success'
RESULT_WARNING = 'warning'
RESULT_ERROR = 'error'

# Table glyphs. Linkerd prints U+221A, U+203C and U+00D7; documents that were
# copied around (like the course notes this collection started from) often
# carry look-alikes, which are accepted too.
GLYPHS = {
    u'\u221a': RESULT_SUCCESS,   # √ (what linkerd prints)
    u'\u2713': RESULT_SUCCESS,   # ✓
    u'\u2714': RESULT_SUCCESS,   # ✔
    u'\u203c': RESULT_WARNING,   # ‼ (what linkerd prints)
    u'\u26a0': RESULT_WARNING,   # ⚠
    u'\u00d7': RESULT_ERROR,     # × (what linkerd prints)
    u'\u2717': RESULT_ERROR,     # ✗
    u'\u2716': RESULT_ERROR,     # ✖
}

_ANSI_RE = re.compile(u'\x1b\\[[0-9;]*[A-Za-z]')
_CHECK_LINE_RE = re.compile(u'^([' + u''.join(GLYPHS) + u'])\\s+(.*)$')
_HINT_RE = re.compile(r'^\s*see (\S+) for hints\s*$')
_FOOTER_RE = re.compile(u'^Status check results are\\s*(\\S*)\\s*$')
_UNDERLINE_RE = re.compile(r'^(-{3,}|={3,})\s*$')
_UNKNOWN_FLAG_RE = re.compile(r'unknown (shorthand )?flag|invalid output type|unknown command', re.IGNORECASE)


class LinkerdCLIError(Exception):
    """A failure with a message meant for the playbook author.

    ``reason`` is a short machine-friendly tag (``binary_missing``,
    ``not_executable``, ``kubeconfig_missing``, ``timeout``, ``bad_output``,
    ``exec_failed``) that the module returns as-is.
    """

    def __init__(self, msg, reason, **details):
        super(LinkerdCLIError, self).__init__(msg)
        self.msg = msg
        self.reason = reason
        self.details = details


# ---------------------------------------------------------------------------
# Finding the binary and building argv
# ---------------------------------------------------------------------------

def _is_exe(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_linkerd(linkerd_path=None, search_path=None, fallbacks=FALLBACK_PATHS):
    """Return the absolute path of the linkerd CLI or raise LinkerdCLIError.

    With ``linkerd_path`` only that file is considered. Without it, ``linkerd``
    is looked up on ``search_path`` (default: ``$PATH``), then in ``fallbacks``.
    """
    install_hint = ('Install it with the meshlab.linkerd.cli role, or point the '
                    'linkerd_path option at the binary.')
    if linkerd_path:
        path = os.path.expanduser(linkerd_path)
        if not os.path.exists(path):
            raise LinkerdCLIError(
                'The Linkerd CLI was not found at %s. %s' % (path, install_hint),
                'binary_missing', path=path)
        if os.path.isdir(path) or not os.access(path, os.X_OK):
            raise LinkerdCLIError(
                'The Linkerd CLI at %s is not an executable file (check its mode, '
                'e.g. chmod 0755, or reinstall it with the meshlab.linkerd.cli role).' % path,
                'not_executable', path=path)
        return os.path.abspath(path)

    if search_path is None:
        search_path = os.environ.get('PATH', os.defpath)
    candidates = [os.path.join(d, 'linkerd') for d in search_path.split(os.pathsep) if d]
    candidates.extend(os.path.expanduser(p) for p in fallbacks)
    not_exec = None
    for candidate in candidates:
        if _is_exe(candidate):
            return os.path.abspath(candidate)
        if not_exec is None and os.path.isfile(candidate):
            not_exec = candidate
    if not_exec:
        raise LinkerdCLIError(
            'The Linkerd CLI at %s is not executable (check its mode, e.g. chmod 0755, '
            'or reinstall it with the meshlab.linkerd.cli role).' % not_exec,
            'not_executable', path=not_exec)
    raise LinkerdCLIError(
        'The Linkerd CLI (linkerd) was not found on PATH nor in %s. %s'
        % (', '.join(fallbacks), install_hint), 'binary_missing')


def check_kubeconfig(kubeconfig):
    """Fail early, with a clear message, when an explicit kubeconfig is unusable."""
    if kubeconfig is None:
        return None
    path = os.path.expanduser(kubeconfig)
    if not os.path.isfile(path):
        raise LinkerdCLIError(
            'The kubeconfig file %s does not exist. Point the kubeconfig option at the '
            "cluster's kubeconfig (minikube: ~/.kube/config, kubeadm: /etc/kubernetes/admin.conf)." % path,
            'kubeconfig_missing', path=path)
    if not os.access(path, os.R_OK):
        raise LinkerdCLIError(
            'The kubeconfig file %s is not readable by the user running the module '
            '(use become, or fix its permissions).' % path,
            'kubeconfig_missing', path=path)
    return path


def global_args(kubeconfig=None, context=None, linkerd_namespace=None):
    """Flags understood by linkerd and by every built-in extension command.

    They are placed after the sub-command (``linkerd viz check --kubeconfig ...``)
    because cobra accepts persistent flags there for core and extension commands.
    """
    args = []
    if kubeconfig:
        args.extend(['--kubeconfig', kubeconfig])
    if context:
        args.extend(['--context', context])
    if linkerd_namespace:
        args.extend(['--linkerd-namespace', linkerd_namespace])
    return args


def default_command_timeout(wait=None):
    """A per-call limit that always leaves linkerd's own --wait room to finish."""
    base = DEFAULT_LINKERD_WAIT if wait is None else wait
    return int(base) + COMMAND_TIMEOUT_MARGIN


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def _to_text(data):
    if data is None:
        return u''
    if isinstance(data, bytes):
        return data.decode('utf-8', 'replace')
    return data


def run_cli(argv, timeout, env=None, cwd=None):
    """Run argv with a hard time limit. Return (rc, stdout, stderr) as text.

    The child gets its own process group so that, on timeout, the CLI and
    everything it started (linkerd runs extension binaries) are killed.
    """
    run_env = dict(os.environ)
    if env:
        run_env.update(env)
    # No colours, no spinner (they are off anyway without a TTY).
    run_env.setdefault('NO_COLOR', '1')
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=run_env, cwd=cwd,
                                start_new_session=True)
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise LinkerdCLIError(
                'The Linkerd CLI %s was not found. Install it with the meshlab.linkerd.cli role.' % argv[0],
                'binary_missing', path=argv[0])
        if e.errno in (errno.EACCES, errno.EPERM):
            raise LinkerdCLIError(
                'The Linkerd CLI %s is not executable (permission denied).' % argv[0],
                'not_executable', path=argv[0])
        if e.errno == errno.ENOEXEC:
            raise LinkerdCLIError(
                'The Linkerd CLI %s cannot be executed (exec format error: wrong architecture '
                'or not a binary). Reinstall it with the meshlab.linkerd.cli role.' % argv[0],
                'not_executable', path=argv[0])
        raise LinkerdCLIError('Could not run %s: %s' % (argv[0], e), 'exec_failed', path=argv[0])
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        raise LinkerdCLIError(
            'The Linkerd CLI did not finish within %s seconds and was killed: %s. '
            'The cluster may be unreachable (a firewall that drops packets) or very slow; '
            'check it, or raise command_timeout.' % (timeout, ' '.join(argv)),
            'timeout', cmd=list(argv), stdout=_to_text(out), stderr=_to_text(err))
    return proc.returncode, _to_text(out), _to_text(err)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        try:
            proc.kill()
        except OSError:
            pass


def cli_version(binary, timeout=VERSION_TIMEOUT, runner=None):
    """Client version (``linkerd version --client --short``) or None."""
    runner = runner or run_cli
    try:
        rc, out, dummy = runner([binary, 'version', '--client', '--short'], timeout)
    except LinkerdCLIError:
        return None
    if rc != 0:
        return None
    for line in out.splitlines():
        line = line.strip()
        if line:
            # "stable-2.14.10", or "Client version: stable-2.14.10" for odd builds
            return line.split(':', 1)[-1].strip()
    return None


# ---------------------------------------------------------------------------
# Parsing `linkerd check` output
# ---------------------------------------------------------------------------

def parse_json_stream(text):
    """Decode concatenated JSON documents.

    Returns (documents, leftover) where leftover is the text that could not
    be decoded (trimmed). Text before the first document or between documents
    that is not JSON (a stray log line) is skipped up to the next line that
    starts with ``{`` and kept in leftover.
    """
    decoder = json.JSONDecoder()
    docs = []
    skipped = []
    idx = 0
    length = len(text)
    while idx < length:
        while idx < length and text[idx].isspace():
            idx += 1
        if idx >= length:
            break
        if text[idx] in '{[':
            try:
                obj, end = decoder.raw_decode(text, idx)
            except ValueError:
                obj, end = None, None
            if end is not None:
                docs.append(obj)
                idx = end
                continue
        # Not JSON here: skip to the next line starting with '{'.
        nxt = text.find('\n{', idx)
        if nxt == -1:
            skipped.append(text[idx:])
            break
        skipped.append(text[idx:nxt])
        idx = nxt + 1
    return docs, u'\n'.join(s.strip() for s in skipped if s.strip())


def _norm_check(check):
    if not isinstance(check, dict):
        return None
    result = check.get('result')
    if result not in (RESULT_SUCCESS, RESULT_WARNING, RESULT_ERROR):
        # Unknown result strings are treated as errors rather than silently passed.
        result = RESULT_ERROR if check.get('error') else RESULT_SUCCESS
    return {
        'description': _to_text(check.get('description', u'')),
        'result': result,
        'error': _to_text(check.get('error')) if check.get('error') else None,
        'hint': _to_text(check.get('hint')) if check.get('hint') else None,
    }


def _is_check_doc(doc):
    return isinstance(doc, dict) and isinstance(doc.get('categories'), (list, type(None))) \
        and 'categories' in doc


def parse_check_json(text):
    """Parse ``linkerd check -o json`` output (one or more documents).

    Returns None when the text holds no check document, else a dict with
    ``categories``, ``documents`` (number parsed), ``reported_success`` (AND of
    every document's ``success``) and ``unparsed`` (leftover text).
    """
    docs, leftover = parse_json_stream(text)
    check_docs = [d for d in docs if _is_check_doc(d)]
    if not check_docs:
        return None
    categories = []
    reported = True
    for doc in check_docs:
        if doc.get('success') is not True:
            reported = False
        for cat in doc.get('categories') or []:
            if not isinstance(cat, dict):
                continue
            name = _to_text(cat.get('categoryName') or cat.get('name') or u'')
            checks = [c for c in (_norm_check(c) for c in cat.get('checks') or []) if c]
            # Same category name twice in a row (should not happen): merge.
            if categories and categories[-1]['name'] == name:
                categories[-1]['checks'].extend(checks)
            else:
                categories.append({'name': name, 'checks': checks})
    return {
        'format': 'json',
        'categories': categories,
        'documents': len(check_docs),
        'reported_success': reported,
        'unparsed': leftover,
    }


def parse_check_table(text):
    """Parse the human ``linkerd check`` table format.

    Handles category headers underlined with ``-``, the old ``Linkerd core
    checks`` / ``===`` section headers, blank lines between a header and its
    underline (output pasted through Windows), multi-line errors (only the first
    line is indented by linkerd), multi-line descriptions and the footer.
    Returns None when no check line was found.
    """
    text = _ANSI_RE.sub(u'', text).replace(u'\r\n', u'\n').replace(u'\r', u'\n')
    lines = text.split(u'\n')
    n = len(lines)

    def next_nonblank(i):
        j = i + 1
        while j < n and not lines[j].strip():
            j += 1
        return j

    categories = []
    current_cat = None
    current = None      # the check being filled
    extra = []          # continuation lines of the current check
    footer = None
    found = False
    unparsed = []

    def close_check():
        if current is None:
            return
        hint = None
        body = list(extra)
        while body and not body[-1].strip():
            body.pop()
        if body:
            m = _HINT_RE.match(body[-1])
            if m:
                hint = m.group(1)
                body.pop()
        body_text = u'\n'.join(line[4:] if line.startswith(u'    ') else line.rstrip() for line in body).strip(u'\n').rstrip()
        if current['result'] == RESULT_SUCCESS:
            if body_text:
                current['description'] = current['description'] + u'\n' + body_text
        else:
            current['error'] = body_text or None
        current['hint'] = hint

    i = 0
    while i < n:
        raw = lines[i].rstrip()
        stripped = raw.strip()
        m_check = _CHECK_LINE_RE.match(stripped) if not raw.startswith(u'    ') else None
        m_footer = _FOOTER_RE.match(stripped)
        if m_footer:
            close_check()
            current, extra = None, []
            footer = GLYPHS.get(m_footer.group(1)[:1], None)
            i += 1
            continue
        if m_check:
            close_check()
            found = True
            if current_cat is None:
                current_cat = {'name': u'', 'checks': []}
                categories.append(current_cat)
            current = {'description': m_check.group(2).strip(), 'result': GLYPHS[m_check.group(1)],
                       'error': None, 'hint': None}
            current_cat['checks'].append(current)
            extra = []
            i += 1
            continue
        if stripped and not raw.startswith(u' '):
            j = next_nonblank(i)
            if j < n and _UNDERLINE_RE.match(lines[j].strip()):
                close_check()
                current, extra = None, []
                if lines[j].strip().startswith(u'-'):
                    current_cat = {'name': stripped, 'checks': []}
                    categories.append(current_cat)
                # '===' headers ("Linkerd core checks") only group categories.
                i = j + 1
                continue
        if current is not None:
            if not stripped:
                # A blank line ends the continuation unless a hint line or an
                # indented line follows (blank lines in pasted output).
                j = next_nonblank(i)
                if j < n and lines[j].startswith(u'    '):
                    i += 1
                    continue
                close_check()
                current, extra = None, []
            else:
                extra.append(raw)
            i += 1
            continue
        if stripped and not _UNDERLINE_RE.match(stripped):
            unparsed.append(stripped)
        i += 1
    close_check()
    if not found:
        return None
    return {
        'format': 'table',
        'categories': [c for c in categories if c['checks'] or c['name']],
        'documents': 1,
        'reported_success': None if footer is None else footer == RESULT_SUCCESS,
        'unparsed': u'\n'.join(unparsed),
    }


def parse_check_output(text):
    """JSON first, then the table format. None when neither matches."""
    text = _to_text(text)
    return parse_check_json(text) or parse_check_table(text)


def summarize(categories):
    """Flat failed/warning lists and counts, in output order."""
    failed, warned = [], []
    summary = {RESULT_SUCCESS: 0, RESULT_WARNING: 0, RESULT_ERROR: 0}
    for cat in categories:
        for check in cat['checks']:
            summary[check['result']] += 1
            if check['result'] == RESULT_SUCCESS:
                continue
            item = {'category': cat['name'], 'description': check['description'],
                    'error': check['error'], 'hint': check['hint']}
            (failed if check['result'] == RESULT_ERROR else warned).append(item)
    return failed, warned, summary


def looks_like_unknown_flag(text):
    return bool(_UNKNOWN_FLAG_RE.search(text or u''))


# ---------------------------------------------------------------------------
# Explaining the usual failures
# ---------------------------------------------------------------------------

def diagnose(failed_checks, linkerd_namespace='linkerd', extension=None):
    """One sentence that says what is wrong and what to do, or None.

    Based on the first failed check: linkerd stops at the first fatal failure,
    so the first one is the root cause in the usual situations.
    """
    for item in failed_checks:
        desc = (item.get('description') or u'').split(u'\n')[0]
        cat = item.get('category') or u''
        err = item.get('error') or u''
        if re.search(u'error upgrading connection|error dialing backend|unable to upgrade connection', err):
            # a port-forward through the API server to a pod (viz's "can initialize the client" does one)
            return (u'Linkerd could not reach a pod through the Kubernetes API (port-forward: %s). The pod is not '
                    u'really running, or the API server cannot reach its node\'s kubelet: check kubectl get pods -o wide '
                    u'and the node.' % err.split(u'\n')[0])
        if desc == u'can initialize the client':
            return (u'The Kubernetes client could not be configured (no usable kubeconfig or context: %s). '
                    u'Set the kubeconfig option (or KUBECONFIG) to the cluster\'s kubeconfig, e.g. '
                    u'~/.kube/config for minikube or /etc/kubernetes/admin.conf for kubeadm, '
                    u'and check the context option.'
                    % err.split(u'\n')[0])
        if desc == u'can query the Kubernetes API':
            return (u'The Kubernetes API server is unreachable. Check that the cluster is running '
                    u'(minikube status, systemctl status kubelet) and that kubeconfig/context point to it.')
        if desc == u"'linkerd-config' config map exists" or (
                cat == u'linkerd-config' and desc == u'control plane Namespace exists'):
            return (u'Linkerd is not installed (no control plane found in namespace %s). Install the '
                    u'control plane first (linkerd install --crds, then linkerd install), or use pre=true '
                    u'for the pre-installation checks.' % linkerd_namespace)
        if desc == u'control plane CustomResourceDefinitions exist' and cat in (u'linkerd-crd', u'linkerd-config'):
            return (u'The Linkerd CRDs are not installed. Run linkerd install --crds '
                    u'(or the CRD chart) before the control plane.')
        m = re.match(u'^(linkerd-[\\w-]+) Namespace exists$', desc)
        if m or desc.startswith(u'Linkerd extension command'):
            name = extension or (m.group(1) if m else cat)
            return (u'The Linkerd extension %s is not installed (or its CLI is missing). '
                    u'Install it (e.g. linkerd viz install) before checking it.' % name)
        if desc == u'control plane namespace does not already exist':
            return (u'Namespace %s already exists: Linkerd (or a leftover namespace) is already there, '
                    u'so the pre-installation checks fail. Run the checks without pre.' % linkerd_namespace)
    return None


# ---------------------------------------------------------------------------
# Retrying
# ---------------------------------------------------------------------------

def retry_until(attempt, is_done, timeout=0, interval=10, clock=None, sleep=None):
    """Call ``attempt()`` until ``is_done(result)`` or ``timeout`` seconds passed.

    ``timeout`` 0 means a single attempt. One last attempt is always made at
    the deadline (the sleep is shortened to reach it). Returns
    (result, attempts, elapsed_seconds). ``clock`` and ``sleep`` default to
    time.monotonic and time.sleep and are injectable for tests.
    """
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    start = clock()
    attempts = 0
    while True:
        attempts += 1
        result = attempt()
        if is_done(result):
            break
        elapsed = clock() - start
        remaining = (timeout or 0) - elapsed
        if remaining <= 0:
            break
        sleep(max(0, min(interval, remaining)))
    return result, attempts, clock() - start
