# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retries and timeouts for the lab apps: validation, the one mapping from the role's policy data
to the objects of each Linkerd line, the Prometheus queries of the measurement and its numbers.
Used by the meshlab.linkerd.resilience role (through the linkerd_resilience_* filters).

Facts (docs/versions.md "Linkerd compatibility table"; research sources in the role README):
- Before edge-24.7.5 (so on stable-2.14 and 2.15) retries and timeouts live in a ServiceProfile
  (linkerd.io/v1alpha2): per route ``isRetryable`` and ``timeout``, one ``retryBudget`` per
  profile, failures classified by ``responseClasses``. No retry limit, no per-try timeout.
- From edge-24.7.5 (linkerd2 #12888, the 2.16 line) the ``retry.linkerd.io/*`` and
  ``timeout.linkerd.io/*`` annotations on an HTTPRoute (or GRPCRoute) whose parent is the Service.
  ``retry.linkerd.io/http`` takes ``5xx``, ``gateway-error``, ``NNN`` or ``NNN-MMM``;
  ``retry.linkerd.io/grpc`` only cancelled, deadline-exceeded, internal, resource-exhausted,
  unavailable; durations are an integer and ms|s|m|h|d.
- Metrics: ServiceProfile lines ``route_response_total`` (effective) and
  ``route_actual_response_total`` (actual, retries included), as ``linkerd viz routes --to``;
  annotation lines ``outbound_http_route_*`` / ``outbound_grpc_route_*``, as
  ``linkerd viz stat-outbound`` (viz/cmd/stat-outbound.go, stat-inbound.go queryRate).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import re

from ansible.module_utils.six import string_types
from ansible_collections.meshlab.linkerd.plugins.module_utils.linkerd_release import parse_release

MANAGER = 'meshlab-resilience'
MANAGED_BY = {'app.kubernetes.io/managed-by': MANAGER}
FIRST_ANNOTATION_EDGE = (24, 7, 5)
GRPC_STATUSES = ('cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable')
PATH_TYPES = ('Exact', 'PathPrefix', 'RegularExpression')
METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH')
EXPECT = ('improve', 'unchanged', 'any')
KEYS = ('name', 'enabled', 'namespace', 'service', 'port', 'protocol', 'client', 'match', 'retry', 'timeout', 'expect')
API = {
    'serviceprofile': {'ServiceProfile': 'linkerd.io/v1alpha2'},
    'annotations': {'HTTPRoute': 'policy.linkerd.io/v1beta3', 'GRPCRoute': 'gateway.networking.k8s.io/v1'},
}
_DURATION = re.compile(r'^([0-9]+)(ms|s|m|h|d)$')
_UNIT_S = {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}
_HTTP_STATUS = re.compile(r'^(5xx|gateway-error|[1-5][0-9][0-9](-[1-5][0-9][0-9])?)$')
_DNS1123 = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
_DNS_LABEL_MAX = 63
UNCHANGED_TOLERANCE = 0.05


def line_of(version):
    """'serviceprofile' or 'annotations' for a Linkerd release; ValueError when it is none."""
    parsed = parse_release(version)
    if parsed is None:
        raise ValueError('%r is not a Linkerd release (stable-X.Y.Z or edge-YY.M.P)' % (version,))
    channel, nums = parsed
    if channel == 'edge':
        return 'annotations' if nums >= FIRST_ANNOTATION_EDGE else 'serviceprofile'
    return 'annotations' if nums[:2] >= (2, 16) else 'serviceprofile'


def duration_seconds(text):
    """'300ms' -> 0.3; None when not a duration Linkerd accepts (integer + ms|s|m|h|d)."""
    m = _DURATION.match(text) if isinstance(text, string_types) else None
    if not m:
        return None
    return int(m.group(1)) * _UNIT_S[m.group(2)]


def _status_range(status):
    if status == '5xx':
        return 500, 599
    if status == 'gateway-error':
        return 502, 504
    lo, _sep, hi = status.partition('-')
    return int(lo), int(hi or lo)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_one(i, p):
    errs = []
    label = 'resilience_policies[%s]' % (p.get('name') if isinstance(p.get('name'), string_types) and p.get('name') else i)
    for k in sorted(set(p) - set(KEYS)):
        errs.append('%s: unknown key %r' % (label, k))
    name = p.get('name')
    if not isinstance(name, string_types) or not _DNS1123.match(name) or len(name) > _DNS_LABEL_MAX:
        errs.append('%s.name: %r is not a DNS-1123 label (it names the route)' % (label, name))
    for k in ('namespace', 'service', 'client'):
        v = p.get(k)
        if not isinstance(v, string_types) or not _DNS1123.match(v):
            errs.append('%s.%s: %r is not a DNS-1123 name' % (label, k, v))
    port = p.get('port')
    if not _is_int(port) or not 1 <= port <= 65535:
        errs.append('%s.port: %r is not a port number 1-65535' % (label, port))
    protocol = p.get('protocol', 'http')
    if protocol not in ('http', 'grpc'):
        errs.append("%s.protocol: %r is not http or grpc" % (label, protocol))
    if p.get('expect', 'any') not in EXPECT:
        errs.append('%s.expect: %r is not one of %s' % (label, p.get('expect'), ', '.join(EXPECT)))
    if not isinstance(p.get('enabled', True), bool):
        errs.append('%s.enabled: %r is not a boolean' % (label, p.get('enabled')))
    match = p.get('match')
    if not isinstance(match, dict):
        errs.append('%s.match: missing (http: method, path, path_type; grpc: service, method)' % label)
    elif protocol == 'grpc':
        for k in sorted(set(match) - {'service', 'method'}):
            errs.append('%s.match: unknown key %r for grpc' % (label, k))
        for k in ('service', 'method'):
            if not isinstance(match.get(k), string_types) or not match.get(k):
                errs.append('%s.match.%s: required for a grpc route' % (label, k))
    else:
        for k in sorted(set(match) - {'method', 'path', 'path_type'}):
            errs.append('%s.match: unknown key %r for http' % (label, k))
        if match.get('method') is not None and match.get('method') not in METHODS:
            errs.append('%s.match.method: %r is not an HTTP method (%s)' % (label, match.get('method'), ', '.join(METHODS)))
        path = match.get('path')
        if not isinstance(path, string_types) or not path.startswith('/'):
            errs.append('%s.match.path: %r does not start with /' % (label, path))
        ptype = match.get('path_type', 'Exact')
        if ptype not in PATH_TYPES:
            errs.append('%s.match.path_type: %r is not one of %s' % (label, ptype, ', '.join(PATH_TYPES)))
        elif ptype == 'RegularExpression' and isinstance(path, string_types):
            try:
                re.compile(path)
            except re.error as e:
                errs.append('%s.match.path: %r is not a regular expression (%s)' % (label, path, e))
    retry, timeout = p.get('retry'), p.get('timeout')
    if retry is None and timeout is None:
        errs.append('%s: neither retry nor timeout: nothing to configure' % label)
    if retry is not None:
        if not isinstance(retry, dict):
            errs.append('%s.retry: not a dict (statuses, limit, timeout)' % label)
        else:
            for k in sorted(set(retry) - {'statuses', 'limit', 'timeout'}):
                errs.append('%s.retry: unknown key %r' % (label, k))
            statuses = retry.get('statuses', ['5xx'] if protocol == 'http' else ['unavailable'])
            if not isinstance(statuses, list) or not statuses:
                errs.append('%s.retry.statuses: not a non-empty list' % label)
            else:
                for s in statuses:
                    if protocol == 'grpc':
                        if s not in GRPC_STATUSES:
                            errs.append('%s.retry.statuses: %r is not a retryable gRPC status (%s)' % (label, s, ', '.join(GRPC_STATUSES)))
                    elif not isinstance(s, string_types) or not _HTTP_STATUS.match(s):
                        errs.append("%s.retry.statuses: %r is not 5xx, gateway-error, NNN or NNN-MMM" % (label, s))
                    elif '-' in s and s != 'gateway-error' and _status_range(s)[0] > _status_range(s)[1]:
                        errs.append('%s.retry.statuses: %r is an empty range' % (label, s))
            limit = retry.get('limit', 1)
            if not _is_int(limit) or not 1 <= limit <= 10:
                errs.append('%s.retry.limit: %r is not an integer 1-10' % (label, limit))
            if 'timeout' in retry and duration_seconds(retry['timeout']) is None:
                errs.append("%s.retry.timeout: %r is not a duration like 300ms or 5s" % (label, retry['timeout']))
    if timeout is not None:
        if not isinstance(timeout, dict) or not timeout:
            errs.append('%s.timeout: not a dict (request, response, idle)' % label)
        else:
            for k in sorted(timeout):
                if k not in ('request', 'response', 'idle'):
                    errs.append('%s.timeout: unknown key %r' % (label, k))
                elif duration_seconds(timeout[k]) is None:
                    errs.append("%s.timeout.%s: %r is not a duration like 300ms or 5s" % (label, k, timeout[k]))
    return errs


def validate(policies, version):
    """Every problem of the policy data for this Linkerd release, each naming its item."""
    try:
        line_of(version)
    except ValueError as e:
        return [str(e)]
    if not isinstance(policies, list):
        return ['resilience_policies: not a list']
    errs = []
    seen = set()
    for i, p in enumerate(policies):
        if not isinstance(p, dict):
            errs.append('resilience_policies[%s]: not a dict' % i)
            continue
        errs.extend(_validate_one(i, p))
        key = (p.get('namespace'), p.get('name'))
        if key in seen:
            errs.append('resilience_policies[%s]: name %r appears twice in namespace %r' % (p.get('name'), p.get('name'), p.get('namespace')))
        seen.add(key)
    return errs


def enabled(policies):
    return [p for p in policies or [] if p.get('enabled', True)]


def _path_regex(match):
    path, ptype = match.get('path', '/'), match.get('path_type', 'Exact')
    if ptype == 'RegularExpression':
        return path
    if ptype == 'PathPrefix':
        return re.escape(path.rstrip('/')) + '(/.*)?'
    return re.escape(path)


def _meta(name, namespace, annotations=None):
    meta = {'name': name, 'namespace': namespace, 'labels': dict(MANAGED_BY)}
    if annotations:
        meta['annotations'] = annotations
    return meta


def _annotations(p):
    out = {}
    retry, timeout = p.get('retry'), p.get('timeout') or {}
    if retry is not None:
        grpc = p.get('protocol', 'http') == 'grpc'
        statuses = retry.get('statuses', ['unavailable'] if grpc else ['5xx'])
        out['retry.linkerd.io/grpc' if grpc else 'retry.linkerd.io/http'] = ','.join(statuses)
        out['retry.linkerd.io/limit'] = str(retry.get('limit', 1))
        if 'timeout' in retry:
            out['retry.linkerd.io/timeout'] = retry['timeout']
    for k in ('request', 'response', 'idle'):
        if k in timeout:
            out['timeout.linkerd.io/' + k] = timeout[k]
    return out


def _route(p, with_policy):
    ns = p['namespace']
    parent = {'group': 'core', 'kind': 'Service', 'name': p['service'], 'port': p['port']}
    annotations = _annotations(p) if with_policy else None
    if p.get('protocol', 'http') == 'grpc':
        m = p['match']
        return {'apiVersion': API['annotations']['GRPCRoute'], 'kind': 'GRPCRoute',
                'metadata': _meta(p['name'], ns, annotations),
                'spec': {'parentRefs': [parent],
                         'rules': [{'matches': [{'method': {'type': 'Exact', 'service': m['service'], 'method': m['method']}}]}]}}
    m = p['match']
    match = {'path': {'type': m.get('path_type', 'Exact'), 'value': m['path']}}
    if m.get('method'):
        match['method'] = m['method']
    return {'apiVersion': API['annotations']['HTTPRoute'], 'kind': 'HTTPRoute',
            'metadata': _meta(p['name'], ns, annotations),
            'spec': {'parentRefs': [parent], 'rules': [{'matches': [match]}]}}


def _profile_route(p, with_policy):
    m = p['match']
    if p.get('protocol', 'http') == 'grpc':
        cond = {'method': 'POST', 'pathRegex': re.escape('/%s/%s' % (m['service'], m['method']))}
    else:
        cond = {'pathRegex': _path_regex(m)}
        if m.get('method'):
            cond['method'] = m['method']
    route = {'name': p['name'], 'condition': cond}
    retry, timeout = p.get('retry'), p.get('timeout') or {}
    if with_policy and retry is not None:
        route['isRetryable'] = True
        if p.get('protocol', 'http') == 'http':
            route['responseClasses'] = [
                {'condition': {'status': dict(zip(('min', 'max'), _status_range(s)))}, 'isFailure': True}
                for s in retry.get('statuses', ['5xx'])]
    if with_policy and 'request' in timeout:
        route['timeout'] = timeout['request']
    return route


def notes(policies, version):
    """What the line cannot express, one sentence per item (shown, never an error)."""
    if line_of(version) == 'annotations':
        return []
    out = []
    for p in enabled(policies):
        retry, timeout = p.get('retry') or {}, p.get('timeout') or {}
        lost = []
        if retry and retry.get('limit', 1) != 1:
            lost.append('retry.limit (the retry budget is the only limit)')
        if 'timeout' in retry:
            lost.append('retry.timeout (no per-try timeout)')
        if p.get('protocol') == 'grpc' and 'statuses' in retry:
            lost.append('retry.statuses (every failed gRPC status is retried)')
        lost.extend('timeout.%s' % k for k in ('response', 'idle') if k in timeout)
        if lost:
            out.append('%s/%s on %s (ServiceProfile): ignored %s' % (p['namespace'], p['name'], version, ', '.join(lost)))
    return out


def objects(policies, version, with_policy=True, retry_budget=None, cluster_domain='cluster.local'):
    """The objects for this line. with_policy=False gives the measurement's baseline: the same
    routes (so that their metrics exist) without any retry or timeout."""
    line = line_of(version)
    wanted = enabled(policies)
    if line == 'annotations':
        return [_route(p, with_policy) for p in wanted]
    profiles = {}
    for p in wanted:
        key = (p['namespace'], p['service'])
        profiles.setdefault(key, []).append(_profile_route(p, with_policy))
    out = []
    for (ns, svc), routes in sorted(profiles.items()):
        spec = {'routes': routes}
        if with_policy and retry_budget and any(r.get('isRetryable') for r in routes):
            spec['retryBudget'] = dict(retry_budget)
        out.append({'apiVersion': API['serviceprofile']['ServiceProfile'], 'kind': 'ServiceProfile',
                    'metadata': _meta('%s.%s.svc.%s' % (svc, ns, cluster_domain), ns), 'spec': spec})
    return out


def kinds(version):
    """[{kind, api_version}] this role may have applied on this line (for finding stale objects)."""
    return [{'kind': k, 'api_version': v} for k, v in sorted(API[line_of(version)].items())]


def stale(existing, desired):
    """Objects with this role's label that the desired set no longer has."""
    want = set((o['kind'], o['metadata']['namespace'], o['metadata']['name']) for o in desired or [])
    out = []
    for obj in existing or []:
        meta = obj.get('metadata') or {}
        if (meta.get('labels') or {}).get('app.kubernetes.io/managed-by') != MANAGER:
            continue
        key = (obj.get('kind'), meta.get('namespace', ''), meta.get('name'))
        if key not in want:
            out.append({'apiVersion': obj.get('apiVersion'), 'kind': key[0], 'namespace': key[1], 'name': key[2]})
    return sorted(out, key=lambda o: (o['namespace'], o['kind'], o['name']))


def missing_services(policies, services):
    """Items whose Service or port is not in the cluster. services: {namespace: [Service objects]}."""
    errs = []
    for p in enabled(policies):
        svcs = dict(((s.get('metadata') or {}).get('name'), s) for s in (services or {}).get(p['namespace'], []) or [])
        svc = svcs.get(p['service'])
        if svc is None:
            errs.append('resilience_policies[%s]: no Service %s/%s in the cluster (is its app stage in the lab?)'
                        % (p['name'], p['namespace'], p['service']))
            continue
        ports = [sp.get('port') for sp in (svc.get('spec') or {}).get('ports') or []]
        if p['port'] not in ports:
            errs.append('resilience_policies[%s]: Service %s/%s has no port %s (it has %s)'
                        % (p['name'], p['namespace'], p['service'], p['port'], ', '.join(str(x) for x in ports) or 'none'))
    return errs


# ---- measurement -------------------------------------------------------------------------------

def _labels(d):
    return '{%s}' % ', '.join('%s%s"%s"' % (k, '=~' if k == 'dst' else '=', v) for k, v in sorted(d.items()))


def queries(policy, version, window, cluster_domain='cluster.local'):
    """{name: PromQL} of one route's measurement over the window, as the viz CLI asks them."""
    if duration_seconds(window) is None:
        raise ValueError('window %r is not a duration like 2m' % (window,))
    ns, client = policy['namespace'], policy['client']
    if line_of(version) == 'serviceprofile':
        lab = _labels({'direction': 'outbound', 'namespace': ns, 'deployment': client, 'rt_route': policy['name'],
                       'dst': '(%s.%s.svc.%s)(:\\\\d+)?' % (policy['service'], ns, cluster_domain)})
        q = {'effective': 'sum(increase(route_response_total%s[%s])) by (classification)' % (lab, window),
             'actual': 'sum(increase(route_actual_response_total%s[%s])) by (classification)' % (lab, window)}
        for name, quant in (('p50', '0.5'), ('p95', '0.95'), ('p99', '0.99')):
            q[name] = 'histogram_quantile(%s, sum(irate(route_response_latency_ms_bucket%s[%s])) by (le))' % (quant, lab, window)
        return q
    proto = 'grpc' if policy.get('protocol', 'http') == 'grpc' else 'http'
    status = 'grpc_status' if proto == 'grpc' else 'http_status'
    lab = _labels({'namespace': ns, 'deployment': client, 'parent_name': policy['service'],
                   'parent_port': str(policy['port']), 'route_name': policy['name']})
    base = 'outbound_%s_route_' % proto
    q = {'effective': 'sum(increase(%srequest_statuses_total%s[%s])) by (%s, error)' % (base, lab, window, status),
         'actual': 'sum(increase(%sbackend_response_statuses_total%s[%s])) by (%s, error)' % (base, lab, window, status),
         'retries': 'sum(increase(%sretry_requests_total%s[%s]))' % (base, lab, window)}
    for name, quant in (('p50', '0.5'), ('p95', '0.95'), ('p99', '0.99')):
        q[name] = 'histogram_quantile(%s, sum(irate(%srequest_duration_seconds_bucket%s[%s])) by (le))' % (quant, base, lab, window)
    return q


def _vector(answer):
    """A Prometheus /api/v1/query answer -> [(metric, float)]; ValueError when it is not one."""
    if not isinstance(answer, dict) or answer.get('status') != 'success':
        raise ValueError((answer or {}).get('error') if isinstance(answer, dict) else 'not a Prometheus answer')
    data = answer.get('data') or {}
    if data.get('resultType') not in ('vector', None):
        raise ValueError('resultType %r, expected vector' % data.get('resultType'))
    out = []
    for r in data.get('result') or []:
        try:
            v = float(r['value'][1])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        if not math.isnan(v) and not math.isinf(v):
            out.append((r.get('metric') or {}, v))
    return out


def _counts(rows, line, proto):
    ok = fail = timeouts = 0.0
    for metric, v in rows:
        if line == 'serviceprofile':
            failed = metric.get('classification') == 'failure'
        elif proto == 'grpc':
            failed = metric.get('grpc_status') != 'OK' or bool(metric.get('error'))
        else:
            failed = str(metric.get('http_status', '')).startswith('5') or bool(metric.get('error'))
        if metric.get('error') in ('REQUEST_TIMEOUT', 'RESPONSE_HEADERS_TIMEOUT'):
            timeouts += v
        if failed:
            fail += v
        else:
            ok += v
    return ok, fail, timeouts


def _scalar(answer):
    rows = _vector(answer)
    return rows[0][1] if rows else None


def measure(answers, policy, version, window):
    """Prometheus answers of queries() -> the window's numbers. No requests -> no_data, never 100 %."""
    line, proto = line_of(version), policy.get('protocol', 'http')
    seconds = duration_seconds(window)
    try:
        ok, fail, timeouts = _counts(_vector(answers.get('effective')), line, proto)
        a_ok, a_fail, _t = _counts(_vector(answers.get('actual')), line, proto)
        retries = _scalar(answers['retries']) if 'retries' in answers else None
        lat = dict((k, _scalar(answers.get(k))) for k in ('p50', 'p95', 'p99'))
    except ValueError as e:
        return {'no_data': True, 'reason': 'Prometheus: %s' % e}
    total, actual = ok + fail, a_ok + a_fail
    if total <= 0:
        return {'no_data': True, 'reason': 'no requests on route %s in the last %s (is there traffic, and is the route in place?)'
                % (policy['name'], window)}
    if line == 'serviceprofile':
        retries = max(actual - total, 0.0)
        timeouts = None
    scale = 1.0 if line == 'serviceprofile' else 1000.0
    out = {'no_data': False, 'requests': round(total, 3), 'success_rate': ok / total, 'rps': total / seconds,
           'actual_rps': actual / seconds if actual > 0 else None,
           'backend_success_rate': a_ok / actual if actual > 0 else None,
           'retry_rate': (retries / (total + retries)) if retries is not None else None,
           'timeouts': timeouts, 'timeout_rate': (timeouts / total) if timeouts is not None else None}
    for k, v in lat.items():
        out[k + '_ms'] = v * scale if v is not None else None
    return out


def verdict(before, after, expect):
    """True/False for an expectation, None when it cannot be judged (no data, or expect any)."""
    if expect == 'any' or before.get('no_data', True) or after.get('no_data', True):
        return None
    delta = after['success_rate'] - before['success_rate']
    if expect == 'improve':
        return delta > 0
    return abs(delta) <= UNCHANGED_TOLERANCE


def target(policy):
    m = policy['match']
    if policy.get('protocol', 'http') == 'grpc':
        what = '%s/%s' % (m['service'], m['method'])
    else:
        what = ('%s %s' % (m.get('method') or '*', m['path']))
    return 'deploy/%s -> svc/%s:%s %s (%s)' % (policy['client'], policy['service'], policy['port'], policy['name'], what)


def experiment(policy, before, after):
    return {'name': policy['name'], 'namespace': policy['namespace'], 'target': target(policy),
            'expect': policy.get('expect', 'any'), 'before': before, 'after': after,
            'passed': verdict(before, after, policy.get('expect', 'any'))}


def _pct(v):
    return '-' if v is None else '%.1f%%' % (v * 100)


def _ms(v):
    return '-' if v is None else '%d' % round(v)


def one_line(exp):
    """books-create (deploy/webapp -> svc/books:7002 ...): 54.3% -> 92.8% (retries 47%, p99 207 -> 460 ms)"""
    b, a = exp['before'], exp['after']
    head = '%s/%s (%s' % (exp['namespace'], exp['name'], exp['target'].rsplit(' (', 1)[-1])
    if b.get('no_data') or a.get('no_data'):
        return '%s: not enough data (%s)' % (head, b.get('reason') if b.get('no_data') else a.get('reason'))
    extra = ['retries %s' % ('-' if a.get('retry_rate') is None else '%d%%' % round(a['retry_rate'] * 100)),
             'p99 %s -> %s ms' % (_ms(b.get('p99_ms')), _ms(a.get('p99_ms')))]
    if a.get('timeouts'):
        extra.append('timeouts %s' % _pct(a.get('timeout_rate')))
    res = {True: ': PASS', False: ': FAIL', None: ''}[exp.get('passed')]
    return '%s: %s -> %s (%s)%s' % (head, _pct(b['success_rate']), _pct(a['success_rate']), ', '.join(extra), res)
