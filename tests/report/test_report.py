# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The class report rendered from fixture data for 30 hosts in mixed states (fixtures/class30.json):
JSON against docs/report.schema.json, Markdown against golden/class30.md, HTML opened in real headless
Chromium (DOM dumped and checked, screenshot kept under $MESHLAB_WORK/artifacts/report/).

MESHLAB_UPDATE_GOLDEN=1 rewrites the golden file (review the diff)."""

import html.parser
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import jsonschema
import pytest
import referencing

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.environ.get('MESHLAB_WORK', '/var/tmp/meshlab-ci')
ARTIFACTS = os.path.join(WORK, 'artifacts', 'report')
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--hide-scrollbars']


def load_report_lib():
    spec = importlib.util.spec_from_file_location('meshlab_report', os.path.join(ROOT, 'plugins/module_utils/report.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


report_lib = load_report_lib()


def fixture():
    with open(os.path.join(HERE, 'fixtures', 'class30.json')) as f:
        fx = json.load(f)
    for h, res in fx['results'].items():
        fx['records'][h]['results'] = res
    return fx


def build(fx=None):
    fx = fx or fixture()
    return report_lib.build_report(fx['lab_hosts'], fx['records'], fx['collected'], fx['reached'], ['emojivoto'],
                                   fx['window'], fx['generated_at'], fx['run_id'])


@pytest.fixture(scope='module')
def report():
    return build()


def schema_validator():
    resources = []
    for name in ('report', 'resilience', 'policy'):
        with open(os.path.join(ROOT, 'docs', name + '.schema.json')) as f:
            doc = json.load(f)
        resources.append((name + '.schema.json', referencing.Resource.from_contents(doc)))
        resources.append((doc['$id'], referencing.Resource.from_contents(doc)))
        if name == 'report':
            schema = doc
    registry = referencing.Registry().with_resources(resources)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def test_json_validates_against_the_schema(report):
    doc = json.loads(report_lib.render_json(report))
    errors = list(schema_validator().iter_errors(doc))
    assert errors == [], [e.message for e in errors[:5]]


def test_schema_rejects_a_zero_for_no_data(report):
    doc = json.loads(report_lib.render_json(report))
    doc['hosts'][0]['verdict'] = 'MAYBE'
    doc['hosts'][-1]['summary']['success_rate'] = 1.5
    assert len(list(schema_validator().iter_errors(doc))) == 2


def test_whole_class_worst_first_with_totals(report):
    hosts = [r['host'] for r in report['hosts']]
    assert sorted(hosts) == ['student%02d' % i for i in range(1, 31)]
    order = [report_lib.VERDICTS.index(r['verdict']) for r in report['hosts']]
    assert order == sorted(order)
    assert report['totals'] == {'hosts': 30, 'UNREACHABLE': 2, 'FAILED': 3, 'NOT RUN': 2, 'RENDERED': 1, 'OK': 22}
    by = {r['host']: r for r in report['hosts']}
    assert by['student09']['verdict'] == by['student23']['verdict'] == 'UNREACHABLE'
    assert by['student27']['verdict'] == 'NOT RUN' and '--limit' in by['student27']['reason']
    assert by['student05']['verdict'] == 'FAILED' and by['student05']['stopped_at'] == 'viz'
    assert by['student03']['check']['failed'][0]['hint'].startswith('https://linkerd.io/')


def test_no_data_is_never_a_number(report):
    by = {r['host']: r for r in report['hosts']}
    for h in ('student08', 'student11', 'student05', 'student09', 'student14', 'student20'):
        assert by[h]['summary'] == {'success_rate': None, 'rps': None, 'p99_ms': None}, h
        for d in by[h]['metrics']['deployments']:
            assert d['success_rate'] is None and d['p99_ms'] is None, (h, d)
    assert by['student08']['metrics']['status'] == 'unreachable'
    assert by['student11']['metrics']['status'] == 'no data'


def test_markdown_matches_the_golden_file(report):
    text = report_lib.render_markdown(report)
    golden = os.path.join(HERE, 'golden', 'class30.md')
    if os.environ.get('MESHLAB_UPDATE_GOLDEN'):
        with open(golden, 'w') as f:
            f.write(text)
    with open(golden) as f:
        assert text == f.read()


def test_render_time_for_30_hosts():
    fx = fixture()
    start = time.perf_counter()
    rep = build(fx)
    for fn in (report_lib.render_json, report_lib.render_markdown, report_lib.render_html):
        fn(rep)
    took = time.perf_counter() - start
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, 'render-time.txt'), 'w') as f:
        f.write('%.4f s for 30 hosts (build + JSON + Markdown + HTML)\n' % took)
    print('render time for 30 hosts: %.4f s' % took)
    assert took < 2.0


class DomSummary(html.parser.HTMLParser):
    def __init__(self):
        html.parser.HTMLParser.__init__(self)
        self.tags, self.rows, self.external, self.svgs = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == 'tr' and 'host' in (attrs.get('class') or '').split():
            self.rows.append(attrs.get('data-verdict'))
        if tag == 'svg':
            self.svgs += 1
        for key in ('src', 'href', 'action', 'srcset', 'data', 'poster'):
            v = attrs.get(key)
            if v is not None and not v.startswith('#'):
                self.external.append((tag, key, v))


class CountingProxy(http.server.BaseHTTPRequestHandler):
    """Every request Chromium makes goes here (--proxy-server); the page must make none."""
    seen = []

    def _any(self):
        CountingProxy.seen.append(self.command + ' ' + self.path)
        self.send_response(502)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = _any

    def log_message(self, *args):
        pass


def chromium():
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if not exe:
        pytest.fail('Debian chromium is missing (scripts/test.sh installs it in setup:packages)')
    return exe


def run_chromium(args, url):
    proxy = http.server.HTTPServer(('127.0.0.1', 0), CountingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix='meshlab-chromium-')
    try:
        cmd = [chromium()] + CHROMIUM_FLAGS + ['--user-data-dir=' + profile,
                                               '--proxy-server=http://127.0.0.1:%d' % proxy.server_port,
                                               '--proxy-bypass-list=<-loopback>'] + args + [url]
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=True)
        return out.stdout.decode('utf-8')
    finally:
        proxy.shutdown()
        shutil.rmtree(profile, ignore_errors=True)


def test_html_in_headless_chromium(report):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page = os.path.join(ARTIFACTS, 'report.html')
    with open(page, 'w') as f:
        f.write(report_lib.render_html(report))
    CountingProxy.seen = []
    dom = run_chromium(['--dump-dom', '--virtual-time-budget=2000'], 'file://' + page)
    summary = DomSummary()
    summary.feed(dom)
    assert len(summary.rows) == 30
    assert summary.rows.count('UNREACHABLE') == 2
    assert summary.rows.count('FAILED') == 3
    assert summary.rows[:2] == ['UNREACHABLE', 'UNREACHABLE']
    assert 'script' not in summary.tags and 'link' not in summary.tags and 'img' not in summary.tags
    assert 'iframe' not in summary.tags and 'url(' not in dom
    assert summary.external == []
    assert summary.svgs == 2
    assert 'no data' in dom and 'student05' in dom
    shot = os.path.join(ARTIFACTS, 'report.png')
    if os.path.exists(shot):
        os.remove(shot)
    run_chromium(['--screenshot=' + shot, '--window-size=1200,1150'], 'file://' + page)
    assert os.path.getsize(shot) > 10000
    # Chromium itself still calls its own services (time, component updater, accounts: seen for
    # about:blank as well); they reached the local proxy, not the network. Nothing else may appear.
    from_page = [r for r in CountingProxy.seen if browser_host(r) is None]
    assert from_page == [], from_page


BROWSER_OWN = ('.google.com', '.googleapis.com', '.gvt1.com')


def browser_host(request):
    target = request.split(' ', 1)[1]
    host = target.split('://', 1)[-1].split('/', 1)[0].split(':', 1)[0]
    return host if host.endswith(BROWSER_OWN) else None


def start_standin(tmp_path, *extra):
    port_file = tmp_path / 'prometheus.port'
    proc = subprocess.Popen(['python3', os.path.join(HERE, 'prometheus_standin.py'), '--bind', '127.0.0.1',
                             '--answers', os.path.join(HERE, 'fixtures', 'prometheus', 'emojivoto-1m.json'),
                             '--port-file', str(port_file), '--lifetime', '60'] + list(extra))
    for _attempt in range(100):
        if port_file.exists():
            break
        time.sleep(0.05)
    return proc, 'http://127.0.0.1:%s' % port_file.read_text().strip()


def ask(url, queries):
    """What the report play's uri loop registers, for each query."""
    import urllib.parse
    import urllib.request
    results = []
    for q in queries:
        item = {'namespace': q['namespace'], 'name': q['name']}
        try:
            with urllib.request.urlopen(url + '/api/v1/query?query=' + urllib.parse.quote(q['query']), timeout=5) as resp:
                results.append({'item': item, 'status': resp.status, 'json': json.loads(resp.read())})
        except OSError as e:
            results.append({'item': item, 'status': -1, 'msg': 'Status code was -1 and not [200]: %s' % e})
    return results


QUERIES = [{'namespace': 'emojivoto', 'name': n, 'query': q}
           for n, q in sorted(report_lib.stat_queries('emojivoto', '1m').items())]


@pytest.mark.parametrize('mode', ['recorded', 'empty', 'down'])
def test_standin_prometheus_answers_feed_the_report(tmp_path, mode):
    proc, url = start_standin(tmp_path, *(['--empty'] if mode == 'empty' else []))
    try:
        if mode == 'down':
            proc.terminate()
            proc.wait()
        results = ask(url, QUERIES)
    finally:
        proc.terminate()
        proc.wait()
    prom = report_lib.prometheus_answers(url, results)
    pods = [{'namespace': 'emojivoto', 'name': d + '-1', 'deployment': d, 'phase': 'Running', 'ready': True, 'meshed': True}
            for d in ('emoji', 'voting', 'web', 'vote-bot')]
    metrics = report_lib.golden_metrics(prom, ['emojivoto'], {'emojivoto': ['emoji', 'voting', 'web', 'vote-bot']})
    by = {d['deployment']: d for d in metrics['deployments']}
    assert set(by) == {'emoji', 'voting', 'web', 'vote-bot'} and pods
    if mode == 'recorded':
        assert metrics['status'] == 'ok'
        assert by['web']['success_rate'] == 0.93 and by['voting']['success_rate'] == 0.85
        assert by['emoji']['success_rate'] == 1.0 and by['emoji']['rps'] == 2.0
        assert by['vote-bot']['success_rate'] is None
        assert by['web']['p99_ms'] is not None
    else:
        assert metrics['status'] == ('no data' if mode == 'empty' else 'unreachable')
        assert all(d['success_rate'] is None and d['p99_ms'] is None for d in by.values())
