# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The class report: per-host verdicts, golden metrics and the JSON / Markdown / HTML renderings.

Pure functions (no Ansible imports): the module meshlab.linkerd.class_report and the filter
meshlab.linkerd.report_pods call them; tests/unit and tests/report test them directly.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import re

from html import escape as _html_escape

SCHEMA_VERSION = 1
# Worst first: the order of the class table.
VERDICTS = ('UNREACHABLE', 'FAILED', 'NOT RUN', 'RENDERED', 'OK')
STAGES = ('docker', 'cluster', 'cli', 'control_plane', 'monitoring', 'viz', 'emojivoto', 'booksapp', 'resilience',
          'policy')
# The lab's exercises (site.yml runs them after emojivoto; a class may leave them out with --skip-tags):
# one not done counts as where the run stopped only when a later stage is done.
EXERCISES = ('booksapp', 'resilience', 'policy')
# The stages whose role writes its manifests under meshlab_manifest_dir/<stage> in both modes.
MANIFEST_STAGES = ('control_plane', 'monitoring', 'viz', 'emojivoto', 'booksapp', 'resilience', 'policy')
NO_DATA = 'no data'

# The queries of `linkerd viz stat deploy -n <ns> -t <window>` (linkerd2 viz/metrics-api/stat_summary.go,
# reqQuery and latencyQuantileQuery, identical in stable-2.14.10 and edge-26.8.3): inbound traffic of
# each deployment, labels rendered as Prometheus' model.LabelSet.String() does (sorted).
REQ_QUERY = 'sum(increase(response_total%s[%s])) by (namespace, deployment, classification, tls)'
LATENCY_QUERY = 'histogram_quantile(%s, sum(irate(response_latency_ms_bucket%s[%s])) by (le, namespace, deployment))'
QUANTILES = (('p50_ms', '0.5'), ('p95_ms', '0.95'), ('p99_ms', '0.99'))
_WINDOW = re.compile(r'^(\d+)([smh])$')


def window_seconds(window):
    m = _WINDOW.match(window or '')
    if not m:
        raise ValueError('window must look like 30s, 1m or 1h, got %r' % (window, ))
    return int(m.group(1)) * {'s': 1, 'm': 60, 'h': 3600}[m.group(2)]


def _labels(namespace):
    return '{direction="inbound", namespace="%s"}' % namespace


def stat_queries(namespace, window='1m'):
    """name -> PromQL, exactly what `linkerd viz stat deploy -n <namespace> -t <window>` asks."""
    window_seconds(window)
    queries = {'requests': REQ_QUERY % (_labels(namespace), window)}
    for key, q in QUANTILES:
        queries[key] = LATENCY_QUERY % (q, _labels(namespace), window)
    return queries


# ---- host side: compact what the API returned ----------------------------------------------------

def _deployment_of(pod):
    labels = (pod.get('metadata') or {}).get('labels') or {}
    if labels.get('linkerd.io/proxy-deployment'):
        return labels['linkerd.io/proxy-deployment']
    for ref in (pod.get('metadata') or {}).get('ownerReferences') or []:
        if ref.get('kind') == 'ReplicaSet' and labels.get('pod-template-hash'):
            suffix = '-' + labels['pod-template-hash']
            name = ref.get('name', '')
            return name[:-len(suffix)] if name.endswith(suffix) else name
    return None


def compact_pods(pods):
    """k8s_info Pod resources -> [{namespace, name, deployment, phase, ready, meshed}] (meshed = has a
    linkerd-proxy container, as `linkerd viz stat` counts MESHED from the pod list)."""
    out = []
    for pod in pods or []:
        meta = pod.get('metadata') or {}
        spec = pod.get('spec') or {}
        status = pod.get('status') or {}
        containers = [c.get('name') for c in (spec.get('containers') or []) + (spec.get('initContainers') or [])]
        statuses = status.get('containerStatuses') or []
        out.append({
            'namespace': meta.get('namespace', ''),
            'name': meta.get('name', ''),
            'deployment': _deployment_of(pod),
            'phase': status.get('phase', 'Unknown'),
            'ready': bool(statuses) and all(s.get('ready') for s in statuses),
            'meshed': 'linkerd-proxy' in containers,
        })
    return sorted(out, key=lambda p: (p['namespace'], p['name']))


def _exists(stat_result):
    return bool(((stat_result or {}).get('stat') or {}).get('exists'))


def urls_from_units(lines):
    """`systemctl list-units --plain --no-legend meshlab-*` lines -> [{name, url, state}] (the units'
    descriptions carry the URLs: 'meshlab <what> on http://...')."""
    out = []
    for line in lines or []:
        f = line.split(None, 4)
        if len(f) < 5:
            continue
        desc = f[4][len('meshlab '):] if f[4].startswith('meshlab ') else f[4]
        name, _sep, url = desc.partition(' on http')
        out.append({'name': name.strip() or f[0], 'url': ('http' + url) if url else '', 'state': '%s/%s' % (f[2], f[3])})
    return out


def prometheus_answers(url, results):
    """uri results of the stat queries (each item {namespace, name}) -> {url, error, answers}."""
    answers, error = {}, None
    for r in results or []:
        item = r.get('item') or {}
        if r.get('skipped'):
            continue
        if r.get('status') != 200 or not isinstance(r.get('json'), dict):
            error = error or (r.get('msg') or 'HTTP %s' % r.get('status'))
            continue
        answers.setdefault(item.get('namespace', ''), {})[item.get('name', '')] = r['json']
    return {'url': url, 'error': error if not answers else None, 'answers': answers}


def host_record(raw):
    """What the report play registered on one host -> the compact record the controller renders.

    raw keys (all optional): render_only, monitoring_enabled, worker, docker, kubeconfig, linkerd_cli (stat
    results), manifests (stat loop results, item = stage), namespaces, linkerd_config, pods (k8s_info
    results), cluster_info (k8s_cluster_info result), check (meshlab.linkerd.check result), units
    (command result), prometheus_url, prometheus (uri loop results), grafana_password_file.
    """
    raw = raw or {}
    rec = {'render_only': bool(raw.get('render_only')), 'grafana_password_file': raw.get('grafana_password_file') or None}
    stages = {'docker': _exists(raw.get('docker')), 'cluster': _exists(raw.get('kubeconfig')),
              'cli': _exists(raw.get('linkerd_cli'))}
    monitoring_wanted = raw.get('monitoring_enabled', True)
    manifests = {(r.get('item') or ''): _exists(r) for r in (raw.get('manifests') or {}).get('results') or []}
    if rec['render_only']:
        for stage in MANIFEST_STAGES:
            stages[stage] = manifests.get(stage, False)
        # render-only never makes a cluster or a kubeconfig: the rendered manifests stand for the cluster stage
        stages['cluster'] = stages['cluster'] or any(manifests.values())
    else:
        ns_result = raw.get('namespaces') or {}
        if ns_result.get('failed') or (ns_result and 'resources' not in ns_result and not ns_result.get('skipped')):
            rec['api_error'] = ns_result.get('msg') or 'the Kubernetes API did not answer'
        namespaces = set(((n.get('metadata') or {}).get('name')) for n in ns_result.get('resources') or [])
        known = 'resources' in ns_result
        cfg = (raw.get('linkerd_config') or {}).get('resources') or []
        stages['control_plane'] = bool(cfg) if known else None
        stages['monitoring'] = (raw.get('monitoring_namespace', 'monitoring') in namespaces if known else None)
        stages['viz'] = ('linkerd-viz' in namespaces) if known else None
        stages['emojivoto'] = ('emojivoto' in namespaces) if known else None
        stages['booksapp'] = ('booksapp' in namespaces) if known else None
        # their objects live in the app namespaces (kinds differ per Linkerd line): the rendered manifests
        # (written in cluster mode too, removed by reset.yml) say whether the stage ran
        for stage in ('resilience', 'policy'):
            stages[stage] = manifests.get(stage, False) if known else None
        if cfg:
            meta = (cfg[0].get('metadata') or {})
            values = (cfg[0].get('data') or {}).get('values') or ''
            m = re.search(r'(?m)^linkerdVersion:\s*"?([^"\s]+)', values)
            created = (meta.get('annotations') or {}).get('linkerd.io/created-by', '')
            rec['linkerd_version'] = m.group(1) if m else (created.split()[-1] if created else None)
        info = raw.get('cluster_info') or {}
        rec['kubernetes_version'] = (((info.get('version') or {}).get('server') or {}).get('kubernetes') or {}).get('gitVersion')
        rec['pods'] = compact_pods((raw.get('pods') or {}).get('resources'))
        if raw.get('prometheus') is not None:
            rec['prometheus'] = prometheus_answers(raw.get('prometheus_url'), (raw.get('prometheus') or {}).get('results'))
        if raw.get('check') is not None:
            rec['check'] = raw['check']
    if not monitoring_wanted:
        stages['monitoring'] = None
    rec['stages'] = stages
    rec['urls'] = urls_from_units((raw.get('units') or {}).get('stdout_lines'))
    return rec


# ---- controller side: one host ---------------------------------------------------------------

def _num(value):
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _vector(answer):
    """A Prometheus /api/v1/query answer -> list of (metric, float|None); None when it is no answer."""
    if not isinstance(answer, dict) or answer.get('status') != 'success':
        return None
    data = answer.get('data') or {}
    if data.get('resultType') != 'vector' or not isinstance(data.get('result'), list):
        return None
    return [(r.get('metric') or {}, _num((r.get('value') or [None, None])[1])) for r in data['result']]


def golden_metrics(prometheus, namespaces, deployments, window='1m'):
    """Success rate, RPS, p50/p95/p99 per deployment, as `linkerd viz stat` computes them.

    prometheus: {url, error, answers: {namespace: {query name: answer}}}. Every number that Prometheus
    did not give is None (rendered "no data"), never 0.
    """
    prometheus = prometheus or {}
    secs = window_seconds(window)
    result = {'source': prometheus.get('url') or None, 'window': window, 'deployments': []}
    if not prometheus:
        result['status'] = 'not collected'
    elif prometheus.get('error'):
        result['status'] = 'unreachable'
        result['error'] = prometheus['error']
    else:
        result['status'] = 'ok'
    answers = prometheus.get('answers') or {}
    found = False
    rows = {}
    for ns in namespaces:
        for dep in deployments.get(ns, []):
            rows[(ns, dep)] = {'namespace': ns, 'deployment': dep, 'requests': None, 'success_rate': None,
                               'rps': None, 'p50_ms': None, 'p95_ms': None, 'p99_ms': None}
        ns_answers = answers.get(ns) or {}
        counts = {}
        vec = _vector(ns_answers.get('requests'))
        if vec is None and result['status'] == 'ok' and ns_answers:
            result['status'] = 'bad answer'
        for metric, value in vec or []:
            dep = metric.get('deployment')
            if not dep or value is None:
                continue
            c = counts.setdefault(dep, {'success': 0.0, 'failure': 0.0})
            if metric.get('classification') in c:
                c[metric['classification']] += value
        for dep, c in counts.items():
            row = rows.setdefault((ns, dep), {'namespace': ns, 'deployment': dep, 'requests': None,
                                              'success_rate': None, 'rps': None, 'p50_ms': None,
                                              'p95_ms': None, 'p99_ms': None})
            total = c['success'] + c['failure']
            row['requests'] = round(total, 3)
            row['rps'] = round(total / secs, 3)
            # viz stat: success rate only when there were requests
            row['success_rate'] = round(c['success'] / total, 4) if total > 0 else None
            found = found or total > 0
        for key, _q in QUANTILES:
            for metric, value in _vector(ns_answers.get(key)) or []:
                dep = metric.get('deployment')
                if dep and (ns, dep) in rows and value is not None:
                    rows[(ns, dep)][key] = round(value, 3)
    result['deployments'] = [rows[k] for k in sorted(rows)]
    if result['status'] == 'ok' and not found:
        result['status'] = NO_DATA
    return result


def _class_metrics(metrics):
    """Host-level numbers for the class charts: success rate over all lab deployments, worst p99."""
    deps = metrics.get('deployments') or []
    total = sum(d['requests'] for d in deps if d['requests'])
    success = sum(d['requests'] * d['success_rate'] for d in deps if d['requests'] and d['success_rate'] is not None)
    p99 = [d['p99_ms'] for d in deps if d['p99_ms'] is not None]
    return {'success_rate': round(success / total, 4) if total > 0 else None,
            'rps': round(sum(d['rps'] for d in deps if d['rps'] is not None), 3) if total > 0 else None,
            'p99_ms': max(p99) if p99 else None}


def _meshed(pods, namespaces_of_interest=None):
    by_ns = {}
    for p in pods or []:
        if p.get('phase') not in ('Running', 'Pending'):
            continue
        n = by_ns.setdefault(p['namespace'], {'namespace': p['namespace'], 'pods': 0, 'meshed': 0, 'ready': 0})
        n['pods'] += 1
        n['meshed'] += 1 if p.get('meshed') else 0
        n['ready'] += 1 if p.get('ready') else 0
    return [by_ns[k] for k in sorted(by_ns)]


def _check(check):
    if not check:
        return None
    if check.get('skipped'):
        return {'ran': False, 'success': None, 'counts': None, 'failed': [], 'warnings': [], 'error': None}
    summary = check.get('summary') or {}
    failed = [{'category': c.get('category', ''), 'description': c.get('description', ''),
               'error': c.get('error') or '', 'hint': c.get('hint') or ''} for c in check.get('failed_checks') or []]
    warnings = [{'category': c.get('category', ''), 'description': c.get('description', ''),
                 'error': c.get('error') or '', 'hint': c.get('hint') or ''} for c in check.get('warning_checks') or []]
    ran = bool(check.get('categories')) or bool(summary)
    return {
        'ran': ran,
        'success': bool(check.get('success')) if ran else False,
        'counts': {k: int(summary.get(k, 0)) for k in ('success', 'warning', 'error')} if ran else None,
        'failed': failed,
        'warnings': warnings,
        'error': None if ran and check.get('success') else (check.get('msg') or check.get('failure_reason')
                                                            or ('linkerd check failed' if ran else 'linkerd check could not run')),
    }


def _read_result(results, name):
    """resilience.json / policy.json as the other stages wrote them; None when absent."""
    doc = (results or {}).get(name)
    if doc is None:
        return None
    if not isinstance(doc, dict) or doc.get('error'):
        return {'error': (doc or {}).get('error', 'unreadable') if isinstance(doc, dict) else 'unreadable'}
    return doc


def host_report(name, data, state, app_namespaces, window='1m', worker_of=None):
    """One row of the class table.

    state: 'collected' (data from this run), 'unreachable' (in the play, never answered or dropped out),
    'not run' (not in this run, e.g. --limit). data: the host's record (see tasks/collect.yml).
    """
    data = data or {}
    row = {'host': name, 'verdict': None, 'reason': '', 'stopped_at': None, 'stages': [], 'render_only': False,
           'check': None, 'versions': {'linkerd': None, 'kubernetes': None}, 'meshed': [],
           'metrics': {'status': 'not collected', 'source': None, 'window': window, 'deployments': []},
           'summary': {'success_rate': None, 'rps': None, 'p99_ms': None},
           'urls': [], 'grafana_password_file': data.get('grafana_password_file') or None,
           'resilience': _read_result(data.get('results'), 'resilience'),
           'policy': _read_result(data.get('results'), 'policy'), 'worker_of': worker_of}
    if state == 'unreachable':
        row['verdict'] = 'UNREACHABLE'
        row['reason'] = data.get('unreachable_msg') or 'did not answer (unreachable, or failed before the report collected it)'
        return row
    if state == 'dropped':
        row['verdict'] = 'FAILED'
        row['reason'] = 'failed or unreachable in an earlier stage of this run (see the play recap)'
        return row
    if state != 'collected':
        row['verdict'] = 'NOT RUN'
        row['reason'] = 'not in this run (--limit %s)' % data['limit'] if data.get('limit') else 'not in this run (--limit)'
        return row
    if worker_of:
        row['verdict'] = 'OK'
        row['reason'] = 'kubeadm worker of %s (its mesh is reported there)' % worker_of
        return row
    row['render_only'] = bool(data.get('render_only'))
    stages = data.get('stages') or {}
    row['stages'] = [{'name': s, 'done': stages.get(s)} for s in STAGES if s in stages]
    wanted = [s for s in row['stages'] if s['done'] is not None]
    done = [s['name'] for s in wanted if s['done']]
    last_done = max([i for i, s in enumerate(wanted) if s['done']] or [-1])
    missing = [s['name'] for i, s in enumerate(wanted)
               if not s['done'] and (s['name'] not in EXERCISES or i < last_done)]
    row['stopped_at'] = missing[0] if missing and done else None
    row['versions'] = {'linkerd': data.get('linkerd_version') or None, 'kubernetes': data.get('kubernetes_version') or None}
    row['meshed'] = _meshed(data.get('pods'))
    row['urls'] = [{'name': u.get('name', ''), 'url': u.get('url', ''), 'state': u.get('state', '')}
                   for u in data.get('urls') or []]
    pods = data.get('pods') or []
    deployments = {}
    for p in pods:
        if p['namespace'] in app_namespaces and p.get('deployment'):
            deployments.setdefault(p['namespace'], [])
            if p['deployment'] not in deployments[p['namespace']]:
                deployments[p['namespace']].append(p['deployment'])
    row['check'] = _check(data.get('check'))
    if data.get('prometheus') is not None:
        row['metrics'] = golden_metrics(data['prometheus'], app_namespaces, deployments, window)
        row['summary'] = _class_metrics(row['metrics'])
    if row['render_only']:
        row['verdict'] = 'RENDERED'
        row['reason'] = 'render-only: manifests written (%s), no cluster contacted' % (', '.join(done) or 'none')
    elif wanted and not done:
        row['verdict'] = 'NOT RUN'
        row['reason'] = 'no lab stage has run on this host yet'
    elif data.get('api_error'):
        row['verdict'] = 'FAILED'
        row['reason'] = 'the Kubernetes API did not answer: %s' % data['api_error']
    elif row['stopped_at']:
        row['verdict'] = 'FAILED'
        row['reason'] = 'the run stopped at stage %s (done: %s)' % (row['stopped_at'], ', '.join(done))
    elif row['check'] is None or not row['check']['ran'] and row['check']['success'] is None:
        row['verdict'] = 'OK'
        row['reason'] = 'all stages done (linkerd check not run)'
    elif not row['check']['ran']:
        row['verdict'] = 'FAILED'
        row['reason'] = 'linkerd check could not run: %s' % row['check']['error']
    elif not row['check']['success']:
        row['verdict'] = 'FAILED'
        row['reason'] = 'linkerd check failed: %s' % ('; '.join(c['description'] for c in row['check']['failed'])
                                                      or row['check']['error'])
    else:
        c = row['check']['counts']
        row['verdict'] = 'OK'
        row['reason'] = 'linkerd check passed (%d passed, %d warning%s)' % (c['success'], c['warning'],
                                                                           '' if c['warning'] == 1 else 's')  # noqa: E128
    if row['verdict'] in ('OK', 'FAILED') and row['metrics']['status'] not in ('ok', 'not collected'):
        row['reason'] += '; metrics: %s' % {'unreachable': 'no data (Prometheus unreachable)',
                                            NO_DATA: 'no data (no samples yet)'}.get(row['metrics']['status'],
                                                                                    row['metrics']['status'])  # noqa: E128
    return row


def build_report(lab_hosts, records, collected, reached, app_namespaces=('emojivoto', ), window='1m',
                 generated_at='', run_id='', workers=None, title='Linkerd lab: class report', links=None, limit=None):
    """The whole class. lab_hosts: the inventory's lab group; records: host -> record; collected: the
    hosts the report play ran on; reached: those that answered to the end; limit: the run's --limit.
    Lab hosts outside the play are NOT RUN with a limit (left out), FAILED without (an earlier play of
    the same run dropped them)."""
    workers = workers or {}
    rows = []
    for h in lab_hosts:
        if h in reached and h in records:
            state = 'collected'
        elif h in collected:
            state = 'unreachable'
        elif limit is None or limit:
            state = 'not run'
        else:
            state = 'dropped'
        data = records.get(h)
        if state == 'not run' and limit:
            data = dict(data or {}, limit=limit)
        rows.append(host_report(h, data, state, list(app_namespaces), window, workers.get(h)))
    rows.sort(key=lambda r: (VERDICTS.index(r['verdict']), r['host']))
    totals = {v: sum(1 for r in rows if r['verdict'] == v) for v in VERDICTS}
    totals['hosts'] = len(rows)
    queries = {}
    for ns in app_namespaces:
        queries[ns] = stat_queries(ns, window)
    return {'schema_version': SCHEMA_VERSION, 'title': title, 'generated_at': generated_at, 'run_id': run_id,
            'window': window, 'app_namespaces': list(app_namespaces), 'queries': queries,
            'totals': totals, 'links': links or {}, 'hosts': rows}


# ---- renderings ------------------------------------------------------------------------------

def fmt_pct(v):
    return NO_DATA if v is None else '%.2f %%' % (v * 100)


def fmt_ms(v):
    return NO_DATA if v is None else ('%.0f ms' % v if v >= 10 else '%.1f ms' % v)


def fmt_rps(v):
    return NO_DATA if v is None else '%.2f' % v


def fmt_checks(check):
    if not check:
        return 'not run'
    if not check['ran']:
        return 'not run' if check['success'] is None else 'could not run'
    c = check['counts']
    return '%d ok, %d warn, %d failed' % (c['success'], c['warning'], c['error'])


def fmt_meshed(meshed):
    return ', '.join('%s %d/%d' % (m['namespace'], m['meshed'], m['pods']) for m in meshed) or '-'


def _md(text):
    return (u'%s' % (text, )).replace('|', '\\|').replace('\n', ' ')


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + '\n'


def _resilience_lines(res):
    if res is None:
        return []
    if res.get('error'):
        return ['resilience results unreadable: %s' % res['error']]
    out = []
    for e in res.get('experiments') or []:
        b, a = e.get('before') or {}, e.get('after') or {}
        out.append('%s (%s): success rate %s -> %s, p99 %s -> %s, RPS %s -> %s%s' % (
            e.get('name', '?'), e.get('target', '?'), fmt_pct(b.get('success_rate')), fmt_pct(a.get('success_rate')),
            fmt_ms(b.get('p99_ms')), fmt_ms(a.get('p99_ms')), fmt_rps(b.get('rps')), fmt_rps(a.get('rps')),
            '' if e.get('passed') is None else (': PASS' if e['passed'] else ': FAIL')))
    return out


def _policy_lines(pol):
    if pol is None:
        return []
    if pol.get('error'):
        return ['security results unreadable: %s' % pol['error']]
    edges = pol.get('edges') or []
    secured = sum(1 for e in edges if e.get('secured'))
    out = ['mTLS: %d of %d edges secured' % (secured, len(edges))]
    for e in edges:
        if not e.get('secured'):
            out.append('not secured: %s -> %s (%s)' % (e.get('src', '?'), e.get('dst', '?'), e.get('no_tls_reason') or 'no reason'))
    for d in pol.get('denials') or []:
        ok = d.get('denied') == d.get('expected_denied', True)
        out.append('%s -> %s: %s (expected %s)%s' % (d.get('probe', '?'), d.get('target', '?'),
                                                    'denied' if d.get('denied') else 'allowed',  # noqa: E128
                                                    'denied' if d.get('expected_denied', True) else 'allowed',  # noqa: E128
                                                    '' if ok else ' MISMATCH'))  # noqa: E128
    return out


def render_markdown(report):
    t = report['totals']
    lines = ['# %s' % report['title'], '',
             'Generated %s (run `%s`). Metrics: inbound traffic over the last %s, the queries of `linkerd viz stat`.'
             % (report['generated_at'], report['run_id'], report['window']), '',
             '**%d hosts**: ' % t['hosts'] + ', '.join('%d %s' % (t[v], v) for v in VERDICTS), '',
             '| host | verdict | reason | linkerd check | Linkerd | Kubernetes | meshed pods | success rate | RPS | p99 |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for r in report['hosts']:
        s = r['summary']
        lines.append('| %s |' % ' | '.join(_md(x) for x in (
            r['host'], r['verdict'], r['reason'], fmt_checks(r['check']), r['versions']['linkerd'] or '-',
            r['versions']['kubernetes'] or '-', fmt_meshed(r['meshed']), fmt_pct(s['success_rate']),
            fmt_rps(s['rps']), fmt_ms(s['p99_ms']))))
    for r in report['hosts']:
        lines += ['', '## %s: %s' % (r['host'], r['verdict']), '', r['reason']]
        if r['stopped_at']:
            lines.append('Stopped at stage **%s**.' % r['stopped_at'])
        if r['check'] and r['check']['failed']:
            lines += ['', 'Failed checks:']
            lines += ['- %s / %s: %s (hint: %s)' % (c['category'], _md(c['description']), _md(c['error']), c['hint'] or '-')
                      for c in r['check']['failed']]
        if r['check'] and r['check']['warnings']:
            lines += ['', 'Warnings:']
            lines += ['- %s / %s: %s (hint: %s)' % (c['category'], _md(c['description']), _md(c['error']), c['hint'] or '-')
                      for c in r['check']['warnings']]
        m = r['metrics']
        if m['deployments'] or m['status'] not in ('not collected', ):
            lines += ['', 'Golden metrics (%s%s):' % (m['status'], ', ' + m['source'] if m.get('source') else ''), '']
            if m['deployments']:
                lines += ['| deployment | success rate | RPS | p50 | p95 | p99 |', '|---|---|---|---|---|---|']
                lines += ['| %s/%s | %s | %s | %s | %s | %s |' % (d['namespace'], d['deployment'], fmt_pct(d['success_rate']),
                                                                 fmt_rps(d['rps']), fmt_ms(d['p50_ms']), fmt_ms(d['p95_ms']),  # noqa: E128
                                                                 fmt_ms(d['p99_ms'])) for d in m['deployments']]  # noqa: E128
        extra = _resilience_lines(r['resilience']) + _policy_lines(r['policy'])
        if extra:
            lines += [''] + ['- %s' % _md(x) for x in extra]
        if r['urls']:
            lines += [''] + ['- %s: %s (%s)' % (_md(u['name']), u['url'], u['state']) for u in r['urls']]
        if r['grafana_password_file']:
            lines.append('- Grafana admin password: in `%s` on the controller' % r['grafana_password_file'])
    lines += ['', '## Queries', '']
    for ns, qs in sorted(report['queries'].items()):
        for k in sorted(qs):
            lines.append('- `%s` %s: `%s`' % (ns, k, qs[k]))
    return '\n'.join(lines) + '\n'


def _e(text):
    return _html_escape(u'%s' % (text, ), quote=True)


_CSS = u"""
body{font-family:DejaVu Sans,Arial,sans-serif;margin:1.5em;color:#222;font-size:13px}
h1{font-size:20px;margin:0 0 .3em}h2{font-size:15px;margin:1.2em 0 .3em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.v{font-weight:bold;white-space:nowrap}
tr.UNREACHABLE td.v{background:#c62828;color:#fff}tr.FAILED td.v{background:#ef6c00;color:#fff}
tr.NOT-RUN td.v{background:#9e9e9e;color:#fff}tr.RENDERED td.v{background:#1565c0;color:#fff}tr.OK td.v{background:#2e7d32;color:#fff}
.nodata{color:#888;font-style:italic}.n{white-space:nowrap}.totals span{margin-right:1em}.charts{display:flex;flex-wrap:wrap;gap:2em}
details{margin:.4em 0}summary{cursor:pointer}code{font-size:11px}
@media print{details{display:block}details>*{display:block}body{margin:0;font-size:10px}.charts{display:block}
tr{page-break-inside:avoid}}
"""


def _cell(text, nodata=False, num=False):
    cls = ' '.join(c for c, on in (('nodata', nodata), ('n', num)) if on)
    return u'<td class="%s">%s</td>' % (cls, _e(text)) if cls else u'<td>%s</td>' % _e(text)


def _bar_chart(title, rows, value_key, fmt, scale_max, colour):
    """An inline SVG horizontal bar chart, one bar per host; "no data" written where there is none."""
    bar_h, gap, label_w, bar_w = 14, 4, 150, 260
    height = 24 + len(rows) * (bar_h + gap)
    parts = [u'<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">'
             % (label_w + bar_w + 90, height, _e(title)),
             u'<text x="0" y="14" font-size="13" font-weight="bold">%s</text>' % _e(title)]
    for i, r in enumerate(rows):
        y = 24 + i * (bar_h + gap)
        v = r['summary'][value_key]
        parts.append(u'<text x="0" y="%d" font-size="11">%s</text>' % (y + 11, _e(r['host'])))
        if v is None:
            parts.append(u'<text x="%d" y="%d" font-size="11" fill="#888" font-style="italic">%s</text>'
                         % (label_w, y + 11, NO_DATA))
            continue
        w = 0 if not scale_max else max(1, int(round(bar_w * min(v, scale_max) / scale_max)))
        parts.append(u'<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>' % (label_w, y, w, bar_h, colour))
        parts.append(u'<text x="%d" y="%d" font-size="11">%s</text>' % (label_w + w + 4, y + 11, _e(fmt(v))))
    parts.append(u'</svg>')
    return u''.join(parts)


def render_html(report):
    t = report['totals']
    rows = report['hosts']
    p99s = [r['summary']['p99_ms'] for r in rows if r['summary']['p99_ms'] is not None]
    out = [u'<!DOCTYPE html>', u'<html lang="en"><head><meta charset="utf-8">',
           u'<title>%s</title>' % _e(report['title']), u'<style>%s</style></head><body>' % _CSS,
           u'<h1>%s</h1>' % _e(report['title']),
           u'<p>Generated %s (run <code>%s</code>). Golden metrics: inbound traffic over the last %s, the queries of '
           u'<code>linkerd viz stat</code> (listed at the end).</p>' % (_e(report['generated_at']), _e(report['run_id']),
                                                                      _e(report['window'])),  # noqa: E128
           u'<p class="totals"><b>%d hosts</b> ' % t['hosts']
           + u''.join(u'<span class="t-%s">%s: %d</span>' % (v.replace(' ', '-'), _e(v), t[v]) for v in VERDICTS) + u'</p>',
           u'<div class="charts">',
           _bar_chart('Success rate per host', rows, 'success_rate', fmt_pct, 1.0, '#2e7d32'),
           _bar_chart('p99 latency per host', rows, 'p99_ms', fmt_ms, max(p99s) if p99s else 0, '#1565c0'),
           u'</div>',
           u'<table id="hosts"><thead><tr><th>host</th><th>verdict</th><th>reason</th><th>linkerd check</th><th>Linkerd</th>'
           u'<th>Kubernetes</th><th>meshed pods</th><th>success rate</th><th>RPS</th><th>p99</th></tr></thead><tbody>']
    for r in rows:
        s = r['summary']
        out.append(u'<tr class="host %s" data-verdict="%s">' % (r['verdict'].replace(' ', '-'), _e(r['verdict'])))
        out.append(u'<td><a href="#host-%s">%s</a></td><td class="v">%s</td>' % (_e(r['host']), _e(r['host']), _e(r['verdict'])))
        out.append(_cell(r['reason']) + _cell(fmt_checks(r['check'])) + _cell(r['versions']['linkerd'] or '-')
                   + _cell(r['versions']['kubernetes'] or '-') + _cell(fmt_meshed(r['meshed'])))
        out.append(_cell(fmt_pct(s['success_rate']), s['success_rate'] is None, True)
                   + _cell(fmt_rps(s['rps']), s['rps'] is None, True) + _cell(fmt_ms(s['p99_ms']), s['p99_ms'] is None, True))
        out.append(u'</tr>')
    out.append(u'</tbody></table>')
    for r in rows:
        out.append(u'<section id="host-%s"><h2>%s: %s</h2><p>%s</p>' % (_e(r['host']), _e(r['host']), _e(r['verdict']),
                                                                      _e(r['reason'])))  # noqa: E128
        if r['check'] and (r['check']['failed'] or r['check']['warnings']):
            out.append(u'<ul>')
            for kind, checks in (('failed', r['check']['failed']), ('warning', r['check']['warnings'])):
                for c in checks:
                    out.append(u'<li>%s: %s / %s: %s (hint <code>%s</code>)</li>' % (
                        kind, _e(c['category']), _e(c['description']), _e(c['error']), _e(c['hint'] or '-')))
            out.append(u'</ul>')
        m = r['metrics']
        if m['deployments']:
            out.append(u'<table class="metrics"><tr><th>deployment</th><th>success rate</th><th>RPS</th><th>p50</th>'
                       u'<th>p95</th><th>p99</th></tr>')
            for d in m['deployments']:
                out.append(u'<tr><td>%s/%s</td>%s%s%s%s%s</tr>' % (
                    _e(d['namespace']), _e(d['deployment']),
                    _cell(fmt_pct(d['success_rate']), d['success_rate'] is None), _cell(fmt_rps(d['rps']), d['rps'] is None),
                    _cell(fmt_ms(d['p50_ms']), d['p50_ms'] is None), _cell(fmt_ms(d['p95_ms']), d['p95_ms'] is None),
                    _cell(fmt_ms(d['p99_ms']), d['p99_ms'] is None)))
            out.append(u'</table>')
        if m['status'] != 'not collected':
            out.append(u'<p>Prometheus: %s%s</p>' % (_e(m['status']), (u' (<code>%s</code>)' % _e(m['source'])) if m.get('source') else u''))
        extra = _resilience_lines(r['resilience']) + _policy_lines(r['policy'])
        # URLs are text, not links: the page itself fetches and links nothing outside it
        extra += ['%s: %s (%s)' % (u['name'], u['url'], u['state']) for u in r['urls']]
        if r['grafana_password_file']:
            extra.append('Grafana admin password: in %s on the controller' % r['grafana_password_file'])
        if extra:
            out.append(u'<ul>%s</ul>' % u''.join(u'<li>%s</li>' % _e(x) for x in extra))
        out.append(u'</section>')
    out.append(u'<h2>Queries</h2><ul>')
    for ns, qs in sorted(report['queries'].items()):
        for k in sorted(qs):
            out.append(u'<li>%s %s: <code>%s</code></li>' % (_e(ns), _e(k), _e(qs[k])))
    out.append(u'</ul></body></html>')
    return u'\n'.join(out) + u'\n'
