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
*/}}
{{- define "listenq-exporter.sidecarContainer" -}}
{{ include "listenq-exporter.container" (dict "root" . "daemonset" false) | trim }}
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
  {{- with $v.extraEnv }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - name: {{ include "listenq-exporter.portName" $root }}
      containerPort: {{ include "listenq-exporter.port" $root }}
      {{- if and .daemonset $v.daemonset.hostNetwork }}
      hostPort: {{ include "listenq-exporter.port" $root }}
      {{- end }}
      protocol: TCP
  livenessProbe:
    httpGet:
      path: /healthz
      port: {{ include "listenq-exporter.portName" $root }}
    {{- toYaml $v.livenessProbe | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: {{ include "listenq-exporter.portName" $root }}
    {{- toYaml $v.readinessProbe | nindent 4 }}
  resources:
    {{- toYaml $v.resources | nindent 4 }}
  securityContext:
    {{- toYaml $v.securityContext | nindent 4 }}
  {{- if $hostProc }}
  volumeMounts:
    - name: host-proc
      mountPath: {{ $v.daemonset.hostProc.mountPath }}
      readOnly: true
      mountPropagation: HostToContainer
  {{- end }}
{{- end }}
