{{/*
The rules, Grafana alerts and dashboard ship as generated (files/, copied by
scripts/sync-chart.ts); these helpers put the chart's values where the generator wrote its
defaults (_alerting-defaults.tpl, generated with them).
*/}}

{{/* Base of every runbook_url: alerting.runbookBaseUrl, else the generator's default. */}}
{{- define "listenq-exporter.alerting.runbookBase" -}}
{{- $base := .Values.alerting.runbookBaseUrl | default (include "listenq-exporter.alerting.generatedRunbookBase" .) -}}
{{- if regexMatch "[\\s#\"']" $base -}}
{{- fail (printf "alerting.runbookBaseUrl: %q must be a URL without spaces, quotes or #: each alert appends #<alertname>" $base) -}}
{{- end -}}
{{- $base -}}
{{- end }}

{{/*
Matchers that select this exporter's targets in `up` (ListenqExporterDown). The default is
the job the ServiceMonitor and PodMonitor produce from the app.kubernetes.io/name label.
*/}}
{{- define "listenq-exporter.alerting.exporterSelector" -}}
{{- $sel := .Values.alerting.exporterSelector | default (printf "job=%q" (include "listenq-exporter.name" .)) -}}
{{- if or (regexMatch "[{}\\n]" $sel) (contains " #" $sel) (contains ": " $sel) -}}
{{- fail (printf "alerting.exporterSelector: %q must be label matchers such as job=\"listenq-exporter\", without braces" $sel) -}}
{{- end -}}
{{- $sel -}}
{{- end }}

{{/* The generated text of one file, with the chart's runbook base and exporter selector. Call with (dict "root" $ "text" $text). */}}
{{- define "listenq-exporter.alerting.substitute" -}}
{{- $root := .root -}}
{{- $genBase := include "listenq-exporter.alerting.generatedRunbookBase" $root -}}
{{- $genSel := include "listenq-exporter.alerting.generatedExporterSelector" $root -}}
{{- $text := .text -}}
{{- $text = replace (printf "runbook_url: %s#" $genBase) (printf "runbook_url: %s#" (include "listenq-exporter.alerting.runbookBase" $root)) $text -}}
{{- $text = replace (printf "\"url\": %q" $genBase) (printf "\"url\": %q" (include "listenq-exporter.alerting.runbookBase" $root)) $text -}}
{{- $text = replace (printf "up{%s}" $genSel) (printf "up{%s}" (include "listenq-exporter.alerting.exporterSelector" $root)) $text -}}
{{- $text -}}
{{- end }}
