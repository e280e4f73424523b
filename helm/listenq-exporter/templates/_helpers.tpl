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

{{/* The chart's own labels on every object, then `commonLabels` (templated, as in the
prometheus-community charts). A common label may not replace one of the chart's: the selectors
and the monitors' jobLabel rely on them. */}}
{{- define "listenq-exporter.ownLabels" -}}
helm.sh/chart: {{ include "listenq-exporter.chart" . }}
{{ include "listenq-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "listenq-exporter.labels" -}}
{{- $own := include "listenq-exporter.ownLabels" . }}
{{- $own }}
{{- with .Values.commonLabels }}
{{- $common := tpl (toYaml .) $ | fromYaml }}
{{- /* The workload templates add app.kubernetes.io/component themselves. */}}
{{- $taken := append (keys ($own | fromYaml)) "app.kubernetes.io/component" }}
{{- range $k := keys $common | sortAlpha }}
{{- if has $k $taken }}
{{- fail (printf "commonLabels.%s would replace a label the chart sets itself; choose another key" $k) }}
{{- end }}
{{- end }}
{{ toYaml $common }}
{{- end }}
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

{{/* The image as the prometheus-community charts build it: [registry/]repository:tag[@digest],
with global.imageRegistry before image.registry. The project publishes no image, so there is
no default repository to fall back on: rendering fails and says how to make one. */}}
{{- define "listenq-exporter.image" -}}
{{- $img := .Values.image }}
{{- $repo := required (printf "image.repository is not set, and this chart has no default image: the project publishes none. Build one from the repository's Dockerfile and push it, e.g. `podman build -t REGISTRY/listenq-exporter:%s . && podman push REGISTRY/listenq-exporter:%s` (docs/container.md), then set image.registry=REGISTRY and image.repository=listenq-exporter (or image.repository=REGISTRY/listenq-exporter)" .Chart.AppVersion .Chart.AppVersion) $img.repository }}
{{- $registry := (.Values.global).imageRegistry | default $img.registry }}
{{- $ref := printf "%s:%s" $repo ($img.tag | default .Chart.AppVersion | toString) }}
{{- if $registry }}
{{- $ref = printf "%s/%s" (trimSuffix "/" $registry) $ref }}
{{- end }}
{{- if $img.digest }}
{{- $ref = printf "%s@%s" $ref $img.digest }}
{{- end }}
{{- $ref }}
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
{{- if eq (include "listenq-exporter.bindsHostIP" .) "true" }}
{{- $given := index $flags "web.listen-address" | default ":9839" | toString }}
{{- if not (hasPrefix ":" $given) }}
{{- fail (printf "flags.web.listen-address (%s) names a host, but daemonset.listenOnAllInterfaces=false binds to the node IP itself; give only the port (:PORT)" $given) }}
{{- end }}
{{- $_ := set $flags "web.listen-address" (printf "[$(HOST_IP)]%s" $given) }}
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

{{/* "true" when the DaemonSet listens on the node IP only: hostNetwork with
daemonset.listenOnAllInterfaces=false, as the node-exporter chart's option of that name. The
address comes from the downward API (status.hostIP) through $(HOST_IP); kubelet probes and
Prometheus reach a hostNetwork pod at that same IP. */}}
{{- define "listenq-exporter.bindsHostIP" -}}
{{- and (eq .Values.mode "daemonset") .Values.daemonset.hostNetwork (not .Values.daemonset.listenOnAllInterfaces) | toString }}
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
{{- range .Values.extraArgs }}
- {{ . | quote }}
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
