# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Linkerd authorization policy for the lab apps: validation, rendering per Linkerd line, stale
objects, the restarts a default inbound policy change needs, and the verdict of the verification
(``linkerd viz edges/authz -o json`` and a denied client). Used by the meshlab.linkerd.policy role.

Facts (linkerd/linkerd2 charts/linkerd-crds/templates/policy/*.yaml, policy-controller, pkg/inject):
- stable-2.14.10 serves Server v1alpha1 (deprecated) and v1beta1; edge-26.8.3 serves v1beta1
  (deprecated: "use v1beta3"), v1beta2 and v1beta3. AuthorizationPolicy, MeshTLSAuthentication and
  NetworkAuthentication are v1alpha1 on both lines.
- Server.spec.accessPolicy appeared in edge-24.7.4 (#12845); the policy controller implements the
  ``audit`` policy from edge-24.7.5 (#12846); the injector accepts the ``audit`` default from
  edge-24.7.3 (#12844). So audit is offered from edge-24.7.5 on, never on stable-2.14.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types, text_type
from ansible_collections.meshlab.linkerd.plugins.module_utils.linkerd_release import parse_release

MANAGER = 'meshlab-policy'
MANAGED_BY = {'app.kubernetes.io/managed-by': MANAGER}
ANNOTATION = 'config.linkerd.io/default-inbound-policy'
# Written on a pod template when this role restarts it: the value the new pods start with. Only
# read when a pod carries no proxy environment (the injector always writes it on a real cluster).
RECORD_ANNOTATION = 'policy.meshlab.io/default-inbound-policy'
PROXY_ENV = 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY'
GROUP = 'policy.linkerd.io'
POLICIES = ('all-unauthenticated', 'all-authenticated', 'cluster-authenticated',
            'cluster-unauthenticated', 'deny')
AUDIT = 'audit'
PROTOCOLS = ('unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS')
# Ports every meshed pod has (the injected proxy container), usable in a Server of any workload.
PROXY_PORTS = {'linkerd-admin': 4191}
KINDS = ('Server', 'AuthorizationPolicy', 'MeshTLSAuthentication', 'NetworkAuthentication')
_FIRST_AUDIT_EDGE = (24, 7, 5)
_DNS1123 = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
_PORT_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')


def _version(version):
    return parse_release(version)


def linkerd_policy_api(version):
    """What a Linkerd release serves: Server apiVersion, authentication/authorization apiVersion,
    whether audit exists and the valid default inbound policies."""
    parsed = _version(version)
    if parsed is None:
        raise AnsibleFilterError('linkerd_policy_api: %r is not a Linkerd release (stable-X.Y.Z or edge-YY.M.P)' % (version,))
    channel, nums = parsed
    if channel == 'stable' and nums[:2] < (2, 14):
        raise AnsibleFilterError('linkerd_policy_api: %s is older than stable-2.14 (no AuthorizationPolicy '
                                 'served as this role writes it)' % version)
    audit = channel == 'edge' and nums >= _FIRST_AUDIT_EDGE
    return {
        'version': version,
        'server': GROUP + ('/v1beta3' if audit else '/v1beta1'),
        'authz': GROUP + '/v1alpha1',
        'audit': audit,
        'policies': list(POLICIES) + ([AUDIT] if audit else []),
    }


def _port_ok(port, ports):
    """port (name or number) among a workload's declared container ports {name: number}."""
    if isinstance(port, int) or (isinstance(port, string_types) and port.isdigit()):
        return int(port) in [int(v) for v in ports.values()]
    return port in ports


def _client_kind(client):
    keys = [k for k in ('service_account', 'identity', 'networks') if client.get(k) not in (None, '', [])]
    return keys


def _selector(app, server):
    """podSelector of a server: one workload's labels, several sharing one label key, or every pod."""
    names = server.get('workloads') or []
    if names == ['*']:
        return {}
    labels = [app['workloads'][n].get('labels') or {} for n in names]
    if len(labels) == 1:
        return {'matchLabels': dict(labels[0])}
    keys = set(tuple(sorted(lab)) for lab in labels)
    if len(keys) != 1 or len(list(keys)[0]) != 1:
        return None
    key = list(keys)[0][0]
    return {'matchExpressions': [{'key': key, 'operator': 'In', 'values': [lab[key] for lab in labels]}]}


def _live_ports(deployments, labels):
    """{name: number} of the containers of the live Deployments whose pod template carries labels."""
    ports, found = {}, False
    for d in deployments:
        tmpl = (d.get('spec') or {}).get('template') or {}
        tl = (tmpl.get('metadata') or {}).get('labels') or {}
        if all(tl.get(k) == v for k, v in labels.items()):
            found = True
            for c in (tmpl.get('spec') or {}).get('containers') or []:
                for p in c.get('ports') or []:
                    ports[p.get('name') or text_type(p.get('containerPort'))] = p.get('containerPort')
    return found, ports


def linkerd_policy_validate(apps, version, deployments=None, mode='enforce'):
    """Every problem of the policy data, each naming its item; [] when it can be applied.
    deployments: {namespace: [Deployment, ...]} read from the cluster (also checks the live ports)."""
    api = linkerd_policy_api(version)
    errors = []
    seen_ns = {}
    if not isinstance(apps, list):
        return ['policy_apps must be a list, got %s' % type(apps).__name__]
    for i, app in enumerate(apps):
        where = 'policy_apps[%d]' % i
        if not isinstance(app, dict) or not app.get('name'):
            errors.append('%s: needs a name' % where)
            continue
        where = 'policy_apps[%s]' % app['name']
        if not app.get('enabled', True):
            continue
        ns = app.get('namespace') or ''
        if not _DNS1123.match(ns):
            errors.append('%s: namespace %r is not a valid namespace name' % (where, ns))
        elif ns in seen_ns:
            errors.append('%s: namespace %s is already used by app %s' % (where, ns, seen_ns[ns]))
        seen_ns[ns] = app['name']
        dip = app.get('default_inbound_policy', '')
        if dip and dip not in api['policies']:
            hint = (' (audit needs Linkerd edge-24.7.5 or newer)' if dip == AUDIT else '')
            errors.append('%s: default_inbound_policy %r is not one of %s for Linkerd %s%s'
                          % (where, dip, ', '.join(api['policies']), version, hint))
        app_mode = app.get('mode') or mode
        if app_mode not in ('enforce', AUDIT):
            errors.append('%s: mode %r is not enforce or audit' % (where, app_mode))
        elif app_mode == AUDIT and not api['audit']:
            errors.append('%s: mode audit needs Server.spec.accessPolicy, which Linkerd %s does not have '
                          '(edge-24.7.5 or newer)' % (where, version))
        workloads = app.get('workloads') or {}
        if not isinstance(workloads, dict):
            errors.append('%s: workloads must be a mapping' % where)
            workloads = {}
        live = (deployments or {}).get(ns) if deployments is not None else None
        names = set()
        servers = app.get('servers') or []
        for j, server in enumerate(servers):
            sname = server.get('name') or ''
            swhere = '%s.servers[%s]' % (where, sname or j)
            if not _DNS1123.match(sname):
                errors.append('%s: name %r is not a valid object name' % (swhere, sname))
            if sname in names:
                errors.append('%s: duplicate server name' % swhere)
            names.add(sname)
            if server.get('protocol', 'unknown') not in PROTOCOLS:
                errors.append('%s: protocol %r is not one of %s' % (swhere, server.get('protocol'), ', '.join(PROTOCOLS)))
            port = server.get('port')
            sel = server.get('workloads') or []
            if not sel:
                errors.append('%s: workloads is empty (name the app workloads, or "*" for every pod)' % swhere)
            unknown = [w for w in sel if w != '*' and w not in workloads]
            if unknown:
                errors.append('%s: workloads %s are not workloads of %s (known: %s)'
                              % (swhere, ', '.join(unknown), app['name'], ', '.join(sorted(workloads)) or 'none'))
            elif '*' in sel and sel != ['*']:
                errors.append('%s: "*" (every pod) cannot be combined with named workloads' % swhere)
            elif sel:
                if sel == ['*']:
                    if port not in PROXY_PORTS and not all(_port_ok(port, (w.get('ports') or {})) for w in workloads.values()):
                        errors.append('%s: port %r is not a port of every pod of %s (every meshed pod has %s)'
                                      % (swhere, port, app['name'], ', '.join(PROXY_PORTS)))
                else:
                    for w in sel:
                        declared = dict(workloads[w].get('ports') or {}, **PROXY_PORTS)
                        if not _port_ok(port, declared):
                            errors.append('%s: port %r does not exist in workload %s of %s (its ports: %s)'
                                          % (swhere, port, w, app['name'],
                                             ', '.join('%s=%s' % kv for kv in sorted(declared.items()))))
                        elif live is not None and port not in PROXY_PORTS:
                            found, lports = _live_ports(live, workloads[w].get('labels') or {})
                            if not found:
                                errors.append('%s: no Deployment in namespace %s has the labels %s of workload %s'
                                              % (swhere, ns, workloads[w].get('labels'), w))
                            elif not _port_ok(port, lports):
                                errors.append('%s: port %r is declared for workload %s but its Deployment in %s has '
                                              'only %s' % (swhere, port, w, ns, ', '.join(sorted(lports)) or 'no ports'))
                    if not unknown and _selector(app, server) is None:
                        errors.append('%s: workloads %s do not share exactly one label key; use one server per '
                                      'workload' % (swhere, ', '.join(sel)))
            clients = server.get('clients')
            if not clients:
                errors.append('%s: clients is empty: a Server without clients denies everything; list who may '
                              'call it (service_account, identity or networks)' % swhere)
                continue
            for k, client in enumerate(clients):
                cwhere = '%s.clients[%d]' % (swhere, k)
                kinds = _client_kind(client if isinstance(client, dict) else {})
                if len(kinds) != 1:
                    errors.append('%s: give exactly one of service_account, identity, networks' % cwhere)
                    continue
                if kinds == ['networks']:
                    for net in client['networks']:
                        try:
                            ipaddress.ip_network(text_type(net), strict=False)
                        except ValueError:
                            errors.append('%s: %r is not a CIDR' % (cwhere, net))
                elif kinds == ['service_account'] and not _DNS1123.match(client['service_account']):
                    errors.append('%s: service_account %r is not a valid name' % (cwhere, client['service_account']))
        for k, edge in enumerate(app.get('edges') or []):
            for end in ('src', 'dst'):
                if edge.get(end) not in workloads:
                    errors.append('%s.edges[%d]: %s %r is not a workload of %s' % (where, k, end, edge.get(end), app['name']))
        probe = app.get('denial_probe') or {}
        if probe and probe.get('server') and probe['server'] not in names:
            errors.append('%s.denial_probe: server %r is not one of its servers' % (where, probe['server']))
        if probe.get('address') and not (probe.get('grpc_method') or probe.get('http_path')):
            errors.append('%s.denial_probe: give grpc_method (grpcurl) or http_path (curl)' % where)
    return errors


def _meta(name, ns, app, kind_labels=None):
    labels = dict(MANAGED_BY, **{'app.kubernetes.io/part-of': app})
    labels.update(kind_labels or {})
    return {'name': name, 'namespace': ns, 'labels': labels}


def _authz(api, server, ns, app, suffix, kind):
    name = '%s-%s' % (server, suffix)
    return {
        'apiVersion': api['authz'], 'kind': 'AuthorizationPolicy', 'metadata': _meta(name, ns, app),
        'spec': {'targetRef': {'group': GROUP, 'kind': 'Server', 'name': server},
                 'requiredAuthenticationRefs': [{'group': GROUP, 'kind': kind, 'name': name}]},
    }


def linkerd_policy_objects(apps, version, deployments=None, mode='enforce'):
    """Validate and render. Returns {errors, objects, namespaces, apps (enabled, mode resolved), api}; objects is empty when errors.
    objects are ordered so that applying them in order never denies allowed traffic: the
    authentications and authorizations first, the Servers last."""
    api = linkerd_policy_api(version)
    errors = linkerd_policy_validate(apps, version, deployments, mode)
    if errors:
        return {'errors': errors, 'objects': [], 'namespaces': [], 'apps': [], 'namespace_objects': [],
                'default_policies': {}, 'api': api}
    authn, authz, servers, namespaces, enabled, ns_objects = [], [], [], [], [], []
    for app in apps:
        if not app.get('enabled', True):
            continue
        ns, name = app['namespace'], app['name']
        app_mode = app.get('mode') or mode
        namespaces.append({'app': name, 'namespace': ns, 'default_inbound_policy': app.get('default_inbound_policy', ''),
                           'mode': app_mode})
        if app.get('default_inbound_policy'):
            ns_objects.append({'apiVersion': 'v1', 'kind': 'Namespace',
                               'metadata': {'name': ns, 'annotations': {ANNOTATION: app['default_inbound_policy']}}})
        enabled.append(dict(app, mode=app_mode))
        for server in app.get('servers') or []:
            sname = server['name']
            spec = {'podSelector': _selector(app, server), 'port': server['port'],
                    'proxyProtocol': server.get('protocol', 'unknown')}
            if api['audit']:
                spec['accessPolicy'] = AUDIT if app_mode == AUDIT else 'deny'
            servers.append({'apiVersion': api['server'], 'kind': 'Server',
                            'metadata': _meta(sname, ns, name), 'spec': spec})
            clients = server['clients']
            sas = [c for c in clients if c.get('service_account')]
            ids = [c['identity'] for c in clients if c.get('identity')]
            nets = [n for c in clients if c.get('networks') for n in c['networks']]
            if sas:
                refs = []
                for c in sas:
                    ref = {'kind': 'ServiceAccount', 'name': c['service_account']}
                    if c.get('namespace') and c['namespace'] != ns:
                        ref['namespace'] = c['namespace']
                    refs.append(ref)
                authn.append({'apiVersion': api['authz'], 'kind': 'MeshTLSAuthentication',
                              'metadata': _meta(sname + '-sa', ns, name), 'spec': {'identityRefs': refs}})
                authz.append(_authz(api, sname, ns, name, 'sa', 'MeshTLSAuthentication'))
            if ids:
                authn.append({'apiVersion': api['authz'], 'kind': 'MeshTLSAuthentication',
                              'metadata': _meta(sname + '-id', ns, name), 'spec': {'identities': ids}})
                authz.append(_authz(api, sname, ns, name, 'id', 'MeshTLSAuthentication'))
            if nets:
                authn.append({'apiVersion': api['authz'], 'kind': 'NetworkAuthentication',
                              'metadata': _meta(sname + '-net', ns, name),
                              'spec': {'networks': [{'cidr': text_type(n)} for n in nets]}})
                authz.append(_authz(api, sname, ns, name, 'net', 'NetworkAuthentication'))
    return {'errors': [], 'objects': authn + authz + servers, 'namespaces': namespaces, 'apps': enabled,
            'namespace_objects': ns_objects,
            'default_policies': dict((o['metadata']['name'], o['metadata']['annotations'][ANNOTATION]) for o in ns_objects),
            'api': api}


def _key(obj):
    meta = obj.get('metadata') or {}
    return (obj.get('kind'), meta.get('namespace', ''), meta.get('name'))


def linkerd_policy_stale(existing, desired):
    """Objects carrying this role's label that the wanted set no longer has, Servers first (removing
    a Server before its authorizations never denies traffic). For Namespaces: those whose default
    inbound policy annotation this role's field manager set, and that no app wants any more."""
    want = set(_key(o) for o in desired or [])
    stale = []
    for obj in existing or []:
        meta = obj.get('metadata') or {}
        if obj.get('kind') == 'Namespace':
            # ours: the annotation is there and this role's field manager applied it
            mine = ANNOTATION in (meta.get('annotations') or {}) and any(
                m.get('manager') == MANAGER for m in meta.get('managedFields') or [])
        else:
            mine = ((meta.get('labels') or {}).get('app.kubernetes.io/managed-by') == MANAGER)
        if not mine or _key(obj) in want:
            continue
        kind, ns, name = _key(obj)
        stale.append({'apiVersion': obj.get('apiVersion'), 'kind': kind, 'namespace': ns, 'name': name})
    order = {'Server': 0, 'AuthorizationPolicy': 1}
    return sorted(stale, key=lambda o: (order.get(o['kind'], 2), o['namespace'], o['kind'], o['name']))


def linkerd_policy_pod_policy(pod):
    """(value, source) of the default inbound policy a pod started with; value None when not meshed
    or not known."""
    spec = pod.get('spec') or {}
    meta = pod.get('metadata') or {}
    ann = meta.get('annotations') or {}
    proxy = [c for c in (spec.get('containers') or []) + (spec.get('initContainers') or [])
             if c.get('name') == 'linkerd-proxy']
    if not proxy:
        return None, 'not meshed'
    for env in proxy[0].get('env') or []:
        if env.get('name') == PROXY_ENV and env.get('value'):
            return env['value'], 'proxy env ' + PROXY_ENV
    if ann.get(ANNOTATION):
        return ann[ANNOTATION], 'pod annotation ' + ANNOTATION
    if ann.get(RECORD_ANNOTATION):
        return ann[RECORD_ANNOTATION], 'pod annotation ' + RECORD_ANNOTATION
    return None, 'no proxy env, no annotation'


def linkerd_policy_restarts(pods, wanted):
    """Deployments to restart so that their pods start with the wanted default inbound policy.
    pods: live Pods of the namespaces; wanted: {namespace: policy}. Returns one entry per
    Deployment: {namespace, deployment, from, to, reason}. Pods being deleted, finished pods and
    pods outside a Deployment are left alone; an unmeshed pod is not restarted (no proxy, no
    policy: meshing it is the app role's job)."""
    out = {}
    for pod in pods or []:
        meta = pod.get('metadata') or {}
        ns = meta.get('namespace', '')
        if ns not in (wanted or {}) or not wanted[ns] or meta.get('deletionTimestamp'):
            continue
        if (pod.get('status') or {}).get('phase') not in ('Pending', 'Running'):
            continue
        hash_ = (meta.get('labels') or {}).get('pod-template-hash', '')
        owners = [o['name'] for o in meta.get('ownerReferences') or [] if o.get('kind') == 'ReplicaSet']
        if not hash_ or not owners or not owners[0].endswith('-' + hash_):
            continue
        deploy = owners[0][:-len(hash_) - 1]
        value, source = linkerd_policy_pod_policy(pod)
        if value is None and source == 'not meshed':
            continue
        if value == wanted[ns]:
            continue
        reason = ('pod %s started with %s (%s), wanted %s' % (meta.get('name'), value, source, wanted[ns])
                  if value else 'pod %s: %s to tell its default policy, wanted %s' % (meta.get('name'), source, wanted[ns]))
        out.setdefault((ns, deploy), {'namespace': ns, 'deployment': deploy, 'from': value or 'unknown',
                                      'to': wanted[ns], 'reason': reason})
    return [out[k] for k in sorted(out)]


# ---- verification -------------------------------------------------------------------------------

def _short_id(sa, ns):
    return '%s.%s' % (sa or 'default', ns)


def linkerd_policy_edges(edges, app):
    """Verdict of `linkerd viz edges deploy -n NS -o json` for one app: every edge touching the
    namespace secured (empty no_tls_reason), every expected edge present with the expected client
    and server identities (<serviceaccount>.<namespace>)."""
    if not isinstance(edges, list):
        raise AnsibleFilterError('linkerd_policy_edges: expected the JSON list of `linkerd viz edges -o json`, got %s'
                                 % type(edges).__name__)
    ns = app['namespace']
    wl = app.get('workloads') or {}
    failures, rows = [], []
    mine = [e for e in edges if ns in (e.get('src_namespace'), e.get('dst_namespace'))]
    for e in mine:
        name = '%s/%s -> %s/%s' % (e.get('src_namespace'), e.get('src'), e.get('dst_namespace'), e.get('dst'))
        secured = (e.get('no_tls_reason') or '') == ''
        rows.append({'edge': name, 'client_id': e.get('client_id', ''), 'server_id': e.get('server_id', ''),
                     'secured': secured, 'no_tls_reason': e.get('no_tls_reason') or ''})
        if not secured:
            failures.append('edge %s is not secured by mTLS: %s' % (name, e.get('no_tls_reason')))
    for x in app.get('edges') or []:
        src, dst = x['src'], x['dst']
        found = [e for e in mine if e.get('src') == src and e.get('dst') == dst
                 and e.get('src_namespace') == ns and e.get('dst_namespace') == ns]
        name = '%s/%s -> %s/%s' % (ns, src, ns, dst)
        if not found:
            failures.append('edge %s not seen (no open connection: is %s sending traffic?)' % (name, src))
            continue
        want_c = _short_id(wl.get(src, {}).get('service_account'), ns)
        want_s = _short_id(wl.get(dst, {}).get('service_account'), ns)
        got = found[0]
        if got.get('client_id') != want_c or got.get('server_id') != want_s:
            failures.append('edge %s has identities %s -> %s, expected %s -> %s'
                            % (name, got.get('client_id') or '(none)', got.get('server_id') or '(none)', want_c, want_s))
    return {'ok': not failures, 'failures': failures, 'edges': rows, 'total': len(mine),
            'secured': len([r for r in rows if r['secured']])}


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def linkerd_policy_authz(rows, mode='enforce'):
    """Counts of `linkerd viz authz -n NS deploy/X -o json`: unauthorized rps on the servers this
    role wrote (must be 0 for allowed traffic), rps allowed per authorization, and rps audited
    (authorization .../audit: would be denied once enforced)."""
    if not isinstance(rows, list):
        raise AnsibleFilterError('linkerd_policy_authz: expected the JSON list of `linkerd viz authz -o json`, got %s'
                                 % type(rows).__name__)
    out = {'rows': len(rows), 'unauthorized_rps': 0.0, 'allowed_rps': 0.0, 'audit_rps': 0.0,
           'by_authorization': {}, 'unauthorized_servers': []}
    for r in rows:
        authz = r.get('authorization') or ''
        unauth = _num(r.get('unauthorized'))
        rps = _num(r.get('rps'))
        out['unauthorized_rps'] += unauth
        if unauth > 0:
            out['unauthorized_servers'].append('%s (route %s): %.1f rps unauthorized'
                                               % (r.get('server', '?'), r.get('route', '?'), unauth))
        if authz.split('/')[-1] == AUDIT:
            out['audit_rps'] += rps
        elif authz:
            out['allowed_rps'] += rps
            out['by_authorization'][authz] = round(out['by_authorization'].get(authz, 0.0) + rps, 3)
    for k in ('unauthorized_rps', 'allowed_rps', 'audit_rps'):
        out[k] = round(out[k], 3)
    return out


_DENIED = re.compile(r'PermissionDenied|code = PermissionDenied|\b403\b|Forbidden', re.I)
_NETWORK = re.compile(r'connection refused|context deadline exceeded|i/o timeout|no such host|'
                      r'code = Unavailable|Failed to dial|Could not resolve host|Connection timed out', re.I)


def linkerd_policy_probe(log, exit_code=None, phase='', mode='enforce'):
    """Verdict of the unmeshed client: enforce expects a refusal (gRPC PermissionDenied / HTTP 403),
    audit expects the call to reach the app (it is only recorded)."""
    text = log or ''
    if _DENIED.search(text):
        observed = 'denied'
    elif _NETWORK.search(text):
        observed = 'unreachable'
    elif phase not in ('Succeeded', 'Failed') and exit_code is None:
        observed = 'not finished'
    else:
        observed = 'reached'
    expected = 'reached' if mode == AUDIT else 'denied'
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), '')
    return {'expected': expected, 'observed': observed, 'ok': observed == expected, 'exit_code': exit_code,
            'phase': phase, 'detail': line[:300]}


class FilterModule(object):
    def filters(self):
        return {
            'linkerd_policy_api': linkerd_policy_api,
            'linkerd_policy_objects': linkerd_policy_objects,
            'linkerd_policy_stale': linkerd_policy_stale,
            'linkerd_policy_restarts': linkerd_policy_restarts,
            'linkerd_policy_edges': linkerd_policy_edges,
            'linkerd_policy_authz': linkerd_policy_authz,
            'linkerd_policy_probe': linkerd_policy_probe,
        }
