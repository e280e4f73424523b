{{/* Names and labels, as `helm create` makes them. */}}
{{- define "listenq-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "listenq-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "listenq-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "listenq-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "listenq-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "listenq-exporter.labels" -}}
helm.sh/chart: {{ include "listenq-exporter.chart" . }}
{{ include "listenq-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "listenq-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "listenq-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The port name is fixed and at most 15 characters; "metrics" would clash with an app's own
port when the exporter is a sidecar. */}}
{{- define "listenq-exporter.portName" -}}
listenq-metrics
{{- end }}

{{- define "listenq-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* Where webConfig.secretName is mounted, and the web config file in it. */}}
{{- define "listenq-exporter.webConfigDir" -}}
/etc/listenq-exporter/web
{{- end }}

{{/* Flags after the chart's own settings: daemonset.allNamespaces decides --namespaces,
hostProc --path.procfs and webConfig --web.config.file; setting one of these flags by hand
as well is refused, not silently overridden. */}}
{{- define "listenq-exporter.effectiveFlags" -}}
{{- $flags := deepCopy (.Values.flags | default dict) }}
{{- $all := and (eq .Values.mode "daemonset") .Values.daemonset.allNamespaces }}
{{- $ns := index $flags "namespaces" | default "" | toString }}
{{- if $all }}
{{- if and $ns (ne $ns "all") }}
{{- fail (printf "flags.namespaces (%s) contradicts daemonset.allNamespaces; set only one" $ns) }}
{{- end }}
{{- $_ := set $flags "namespaces" "all" }}
{{- else if eq $ns "all" }}
{{- fail "flags.namespaces=all needs the privileges that daemonset.allNamespaces grants (DaemonSet mode): set that instead" }}
{{- end }}
{{- if .Values.webConfig.secretName }}
{{- $path := printf "%s/web-config.yml" (include "listenq-exporter.webConfigDir" .) }}
{{- $given := index $flags "web.config.file" | default "" }}
{{- if and $given (ne (toString $given) $path) }}
{{- fail (printf "flags.web.config.file (%v) contradicts webConfig.secretName, which mounts the config at %s; set only one" $given $path) }}
{{- end }}
{{- $_ := set $flags "web.config.file" $path }}
{{- end }}
{{- if and (eq .Values.mode "daemonset") .Values.daemonset.hostProc.enabled }}
{{- $given := index $flags "path.procfs" | default "" }}
{{- if and $given (ne (toString $given) .Values.daemonset.hostProc.mountPath) }}
{{- fail (printf "flags.path.procfs (%v) contradicts daemonset.hostProc.mountPath (%s); set only one" $given .Values.daemonset.hostProc.mountPath) }}
{{- end }}
{{- $_ := set $flags "path.procfs" .Values.daemonset.hostProc.mountPath }}
{{- end }}
{{- toJson $flags }}
{{- end }}

{{/* The exporter's port: the one in --web.listen-address, else the exporter default. */}}
{{- define "listenq-exporter.port" -}}
{{- $flags := include "listenq-exporter.effectiveFlags" . | fromJson }}
{{- $addr := index $flags "web.listen-address" | default ":9839" | toString }}
{{- $port := regexFind ":[0-9]+$" $addr | trimPrefix ":" }}
{{- if not $port }}
{{- fail (printf "flags.web.listen-address %q must end in :PORT" $addr) }}
{{- end }}
{{- $port }}
{{- end }}

{{- define "listenq-exporter.telemetryPath" -}}
{{- $flags := include "listenq-exporter.effectiveFlags" . | fromJson }}
{{- index $flags "web.telemetry-path" | default "/metrics" }}
{{- end }}

{{/* One `--name=value` per set flag, in key order. null and "" mean "not set". Whole numbers
are printed as integers (YAML numbers arrive as floats, which would print as 1e+06). */}}
{{- define "listenq-exporter.args" -}}
{{- $flags := include "listenq-exporter.effectiveFlags" . | fromJson }}
{{- range $name := keys $flags | sortAlpha }}
{{- $v := index $flags $name }}
{{- if not (or (kindIs "invalid" $v) (and (kindIs "string" $v) (eq $v ""))) }}
{{- if and (kindIs "float64" $v) (eq (float64 (int64 $v)) $v) }}
{{- $v = int64 $v }}
{{- end }}
- {{ printf "--%s=%v" $name $v | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Node-wide mode: root with only the two capabilities --namespaces=all uses. */}}
{{- define "listenq-exporter.allNamespacesContainerSecurity" -}}
runAsNonRoot: false
runAsUser: 0
runAsGroup: 0
capabilities:
  drop: ["ALL"]
  add: ["SYS_PTRACE", "SYS_ADMIN"]
{{- end }}

{{- define "listenq-exporter.allNamespacesPodSecurity" -}}
runAsNonRoot: false
runAsUser: 0
runAsGroup: 0
{{- end }}
