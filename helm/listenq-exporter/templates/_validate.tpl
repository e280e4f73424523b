{{/*
Value combinations that would render fine and then break in the cluster. templates/validate.yaml
includes this on every render, whatever else is switched on, so helm template, install and
upgrade fail with a message instead (helm lint renders in lint mode, where `fail` only logs).
*/}}
{{- define "listenq-exporter.validate" -}}
{{- $v := .Values }}
{{- if and $v.webConfig.tls (not $v.webConfig.secretName) }}
{{- fail "webConfig.tls=true needs webConfig.secretName: without a web config the exporter serves plain HTTP, so the HTTPS probes and the HTTPS scrape would fail" }}
{{- end }}
{{- if and $v.webConfig.clientCertRequired (not $v.webConfig.tls) }}
{{- fail "webConfig.clientCertRequired=true needs webConfig.tls=true: client certificates exist only over TLS" }}
{{- end }}
{{- $flags := include "listenq-exporter.effectiveFlags" . | fromJson }}
{{- $addr := index $flags "web.listen-address" | default ":9839" | toString }}
{{- $host := regexReplaceAll ":[0-9]+$" $addr "" | trimPrefix "[" | trimSuffix "]" | lower }}
{{- if or (regexMatch "^127\\." $host) (regexMatch "^::ffff:127\\." $host) (eq $host "::1") (eq $host "localhost") }}
{{- fail (printf "flags.web.listen-address (%s) listens on loopback only, but kubelet probes and Prometheus connect to the pod IP: give only the port (:PORT)%s" $addr (ternary ", or daemonset.listenOnAllInterfaces=false to bind to the node IP only" "" (and (eq $v.mode "daemonset") $v.daemonset.hostNetwork))) }}
{{- end }}
{{- if eq $v.mode "daemonset" }}
{{- if and $v.serviceMonitor.enabled $v.podMonitor.enabled }}
{{- fail "serviceMonitor.enabled and podMonitor.enabled both select the DaemonSet pods: Prometheus would scrape every exporter twice and every alert would fire twice. Enable one" }}
{{- end }}
{{- if and (not $v.daemonset.listenOnAllInterfaces) (not $v.daemonset.hostNetwork) }}
{{- fail "daemonset.listenOnAllInterfaces=false binds to the node IP, which only a pod with daemonset.hostNetwork=true has" }}
{{- end }}
{{- else }}
{{- if $v.serviceMonitor.enabled }}
{{- fail "serviceMonitor.enabled renders nothing in sidecar mode (there is no Service to select): use podMonitor.enabled, which selects the pods labelled with sidecar.podSelector" }}
{{- end }}
{{- end }}
{{- range $i, $arg := $v.extraArgs }}
{{- $name := regexFind "^--(no-)?[a-z0-9][a-z0-9.-]*" (toString $arg) | trimPrefix "--" | trimPrefix "no-" }}
{{- if not $name }}
{{- fail (printf "extraArgs[%d] (%v) is not a flag: use --name=value" $i $arg) }}
{{- end }}
{{- $set := and (hasKey $flags $name) (ne (index $flags $name | toString) "") (not (kindIs "invalid" (index $flags $name))) }}
{{- if or $set (has $name (list "web.listen-address" "web.telemetry-path" "web.config.file" "namespaces" "path.procfs")) }}
{{- fail (printf "extraArgs[%d] (%v) sets --%s, which the chart sets from values (flags.%s or the setting that owns it): set it there, once" $i $arg $name $name) }}
{{- end }}
{{- end }}
{{- end }}
