# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""STAND-IN for the Linkerd CLI, used only by the molecule scenario `mesh_apps` (via files/linkerd-standin).

It is NOT linkerd. It appends its argv, one JSON list a line, to LOG and imitates:
* `version --client --short`: prints VERSION;
* `viz install [--values F] [--ignore-cluster | --skip-checks | --kubeconfig K]`: without
  --ignore-cluster/--skip-checks the real CLI first checks the control plane in the cluster; there
  is none here, so it fails like the real one without a reachable API server. Otherwise it prints a
  small, plausible linkerd-viz manifest: the Namespace (label linkerd.io/extension=viz, annotation
  viz.linkerd.io/external-prometheus when prometheusUrl is set), the web dashboard, the tap webhook
  Secret with a NEW key on every render (as the real chart regenerates it), and viz's own
  Prometheus only when prometheus.enabled is not false.
The values file is read with a tiny parser (no PyYAML on the test hosts): two levels of `key: value`.
"""

import base64
import json
import os
import re
import sys

VERSION = os.environ.get('LINKERD_STANDIN_VERSION', 'edge-26.8.3')
STATE = os.environ.get('LINKERD_STANDIN_STATE', '/var/lib/linkerd-standin')
LOG = os.path.join(STATE, 'argv.log')


def fail(msg):
    sys.stderr.write('Error: %s\n' % msg)
    sys.exit(1)


def read_values(path):
    """{'a': 'x', 'b.c': 'y'} from a two-level YAML mapping (enough for the role's values.yaml)."""
    values, parent = {}, None
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            m = re.match(r'^(\s*)([A-Za-z0-9_.-]+):\s*(.*?)\s*$', line)
            if not m:
                continue
            indent, key, value = m.groups()
            if not indent:
                parent = key
                if value:
                    values[key] = value.strip('\'"')
            elif parent and value:
                values[parent + '.' + key] = value.strip('\'"')
    return values


def doc(lines):
    return '---\n' + '\n'.join(lines) + '\n'


def viz_install(argv):
    opts, i = {}, 0
    while i < len(argv):
        a = argv[i]
        if a in ('--ignore-cluster', '--skip-checks', '--ha'):
            opts[a] = True
            i += 1
        elif a in ('--values', '-f', '--kubeconfig', '--context', '--set', '--wait', '-o', '--output') and i + 1 < len(argv):
            opts.setdefault(a, [])
            opts[a].append(argv[i + 1])
            i += 2
        else:
            fail('unknown flag: %s' % a)
    if '--ignore-cluster' not in opts and '--skip-checks' not in opts:
        sys.stdout.write('kubernetes-api\n--------------\n\u00d7 can initialize the client\n'
                         '    error configuring Kubernetes API client: no cluster in this test (STAND-IN)\n')
        sys.exit(1)
    values = {}
    for path in opts.get('--values', []) + opts.get('-f', []):
        if not os.path.isfile(path):
            fail('open %s: no such file or directory' % path)
        values.update(read_values(path))
    prom_url = values.get('prometheusUrl', '')
    own_prometheus = values.get('prometheus.enabled', 'true') != 'false'
    grafana = values.get('grafana.url', '')
    replicas = values.get('dashboard.replicas', '1')
    key = base64.b64encode(os.urandom(48)).decode()
    out = []
    ns = ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: linkerd-viz', '  labels:',
          '    linkerd.io/extension: viz', '    pod-security.kubernetes.io/enforce: privileged',
          '  annotations:', '    linkerd.io/inject: enabled', '    config.linkerd.io/proxy-await: "enabled"']
    if prom_url:
        ns.append('    viz.linkerd.io/external-prometheus: "%s"' % prom_url)
    out.append(doc(ns))
    out.append(doc(['apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: web', '  namespace: linkerd-viz',
                    '  labels:', '    linkerd.io/extension: viz', '    component: web']))
    out.append(doc(['apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/tls', 'metadata:', '  name: tap-k8s-tls',
                    '  namespace: linkerd-viz', 'data:', '  tls.crt: %s' % key, '  tls.key: %s' % key]))
    out.append(doc(['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '  namespace: linkerd-viz',
                    '  labels:', '    linkerd.io/extension: viz', '    component: web', 'spec:', '  type: ClusterIP',
                    '  selector:', '    linkerd.io/extension: viz', '    component: web', '  ports:',
                    '  - name: http', '    port: 8084', '    targetPort: 8084',
                    '  - name: admin', '    port: 9994', '    targetPort: 9994']))
    args = ['        - -linkerd-metrics-api-addr=metrics-api.linkerd-viz.svc.cluster.local:8085',
            '        - -cluster-domain=cluster.local', '        - -controller-namespace=linkerd',
            '        - -viz-namespace=linkerd-viz', '        - -log-level=info',
            '        - -enforced-host=^(localhost|127\\.0\\.0\\.1|web\\.linkerd-viz\\.svc\\.cluster\\.local|web\\.linkerd-viz\\.svc|\\[::1\\])(:\\d+)?$']
    if grafana:
        args.insert(0, '        - -grafana-addr=%s' % grafana)
    out.append(doc(['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  namespace: linkerd-viz',
                    '  labels:', '    linkerd.io/extension: viz', '    component: web', 'spec:',
                    '  replicas: %s' % replicas, '  selector:', '    matchLabels:',
                    '      linkerd.io/extension: viz', '      component: web', '  template:', '    metadata:',
                    '      annotations:', '        checksum/config: "%s"' % base64.b16encode(os.urandom(8)).decode().lower(),
                    '      labels:', '        linkerd.io/extension: viz', '        component: web', '    spec:',
                    '      serviceAccountName: web', '      containers:', '      - name: web',
                    '        image: cr.l5d.io/linkerd/web:%s' % VERSION, '        args:'] + args + [
                    '        ports:', '        - name: http', '          containerPort: 8084',
                    '        - name: admin', '          containerPort: 9994']))
    if own_prometheus:
        out.append(doc(['apiVersion: v1', 'kind: Service', 'metadata:', '  name: prometheus', '  namespace: linkerd-viz',
                        'spec:', '  selector:', '    component: prometheus', '  ports:',
                        '  - name: admin', '    port: 9090', '    targetPort: 9090']))
        out.append(doc(['apiVersion: policy.linkerd.io/v1beta3', 'kind: Server', 'metadata:', '  name: prometheus-admin',
                        '  namespace: linkerd-viz', 'spec:', '  podSelector:', '    matchLabels:',
                        '      component: prometheus', '  port: 9090', '  proxyProtocol: HTTP/1']))
    sys.stdout.write(''.join(out))
    return 0


def main(argv):
    os.makedirs(STATE, exist_ok=True)
    with open(LOG, 'a', encoding='utf-8') as f:
        f.write(json.dumps(argv) + '\n')
    if argv == ['version', '--client', '--short']:
        print(VERSION)
        return 0
    if argv[:2] == ['viz', 'install']:
        return viz_install(argv[2:])
    fail('unknown command "%s" for "linkerd" (STAND-IN: only version and viz install)' % ' '.join(argv[:2]))
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
