# STAND-IN (tests/cluster/charts/README.md): the server Deployment and Service only.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-server
  labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/component: server, app.kubernetes.io/instance: {{ .Release.Name }}, meshlab-test: stand-in}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/component: server, app.kubernetes.io/instance: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/component: server, app.kubernetes.io/instance: {{ .Release.Name }}}
      annotations:
        checksum/extra-scrape-configs: {{ .Values.extraScrapeConfigs | default "" | sha256sum }}
    spec:
      containers:
        - name: prometheus-server
          image: quay.io/prometheus/prometheus:{{ .Chart.AppVersion }}
          ports: [{name: http, containerPort: 9090}]
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-server
  labels: {app.kubernetes.io/name: prometheus, app.kubernetes.io/component: server, meshlab-test: stand-in}
spec:
  type: {{ .Values.server.service.type }}
  selector: {app.kubernetes.io/name: prometheus, app.kubernetes.io/component: server, app.kubernetes.io/instance: {{ .Release.Name }}}
  ports:
    - name: http
      port: {{ .Values.server.service.servicePort }}
      targetPort: 9090
      {{- if and (eq .Values.server.service.type "NodePort") .Values.server.service.nodePort }}
      nodePort: {{ .Values.server.service.nodePort }}
      {{- end }}
