{{/*
The exporter container. The DaemonSet and the sidecar render this same template, so both get
the same flags, probes and security settings.

Sidecar use from another chart that lists listenq-exporter as a dependency (with
`listenq-exporter.mode: sidecar`, so the dependency renders no DaemonSet):

  containers:
    - name: my-app
      ...
    {{- include "listenq-exporter.sidecarContainer" (index .Subcharts "listenq-exporter") | nindent 4 }}

and add the labels in `sidecar.podSelector` to the pod template so the PodMonitor finds it.
With `webConfig.secretName` set, the pod also needs the volume the container mounts:

  volumes:
    {{- include "listenq-exporter.sidecarVolumes" (index .Subcharts "listenq-exporter") | nindent 4 }}
*/}}
{{- define "listenq-exporter.sidecarContainer" -}}
{{ include "listenq-exporter.container" (dict "root" . "daemonset" false) | trim }}
{{- end }}

{{/* Pod volumes for the sidecar container; renders nothing when it needs none. */}}
{{- define "listenq-exporter.sidecarVolumes" -}}
{{ include "listenq-exporter.volumes" (dict "root" . "daemonset" false) | trim }}
{{- end }}

{{- define "listenq-exporter.volumes" -}}
{{- $v := .root.Values }}
{{- if and .daemonset $v.daemonset.hostProc.enabled }}
- name: host-proc
  hostPath:
    path: {{ $v.daemonset.hostProc.path }}
    type: Directory
{{- end }}
{{- if $v.webConfig.secretName }}
- name: listenq-web-config
  secret:
    secretName: {{ $v.webConfig.secretName }}
{{- end }}
{{- end }}

{{/* Probes: HTTP(S) GETs, or a TCP connect when the exporter demands client certificates. */}}
{{- define "listenq-exporter.probe" -}}
{{- $v := .root.Values }}
{{- if $v.webConfig.clientCertRequired }}
tcpSocket:
  port: {{ include "listenq-exporter.portName" .root }}
{{- else }}
httpGet:
  path: {{ .path }}
  port: {{ include "listenq-exporter.portName" .root }}
  {{- if $v.webConfig.tls }}
  scheme: HTTPS
  {{- end }}
{{- end }}
{{- end }}

{{- define "listenq-exporter.container" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $hostProc := and .daemonset $v.daemonset.hostProc.enabled }}
- name: {{ $v.containerName }}
  image: {{ include "listenq-exporter.image" $root | quote }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  args:
    {{- include "listenq-exporter.args" $root | trim | nindent 4 }}
  {{- $hostIP := and .daemonset (eq (include "listenq-exporter.bindsHostIP" $root) "true") }}
  {{- if or $hostIP $v.extraEnv }}
  env:
    {{- if $hostIP }}
    # Expanded by the kubelet in --web.listen-address.
    - name: HOST_IP
      valueFrom:
        fieldRef:
          fieldPath: status.hostIP
    {{- end }}
    {{- with $v.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
  ports:
    - name: {{ include "listenq-exporter.portName" $root }}
      containerPort: {{ include "listenq-exporter.port" $root }}
      {{- if and .daemonset $v.daemonset.hostNetwork }}
      hostPort: {{ include "listenq-exporter.port" $root }}
      {{- end }}
      protocol: TCP
  livenessProbe:
    {{- include "listenq-exporter.probe" (dict "root" $root "path" "/healthz") | trim | nindent 4 }}
    {{- toYaml $v.livenessProbe | nindent 4 }}
  {{- /* No readiness probe on the sidecar: a container's readiness is part of its pod's Ready
  condition, so a stalled exporter would take the app out of its Service. The liveness probe
  restarts a hung exporter instead. */}}
  {{- if .daemonset }}
  readinessProbe:
    {{- include "listenq-exporter.probe" (dict "root" $root "path" "/readyz") | trim | nindent 4 }}
    {{- toYaml $v.readinessProbe | nindent 4 }}
  {{- end }}
  resources:
    {{- toYaml $v.resources | nindent 4 }}
  securityContext:
    {{- if and .daemonset $v.daemonset.allNamespaces }}
    {{- $sc := mergeOverwrite (deepCopy $v.securityContext) (include "listenq-exporter.allNamespacesContainerSecurity" $root | fromYaml) }}
    {{- toYaml $sc | nindent 4 }}
    {{- else }}
    {{- toYaml $v.securityContext | nindent 4 }}
    {{- end }}
  {{- if or $hostProc $v.webConfig.secretName }}
  volumeMounts:
    {{- if $hostProc }}
    - name: host-proc
      mountPath: {{ $v.daemonset.hostProc.mountPath }}
      readOnly: true
      mountPropagation: HostToContainer
    {{- end }}
    {{- if $v.webConfig.secretName }}
    - name: listenq-web-config
      mountPath: {{ include "listenq-exporter.webConfigDir" $root }}
      readOnly: true
    {{- end }}
  {{- end }}
{{- end }}
