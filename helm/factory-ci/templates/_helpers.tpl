{{/* Chart name. */}}
{{- define "factoryci.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix. */}}
{{- define "factoryci.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries: (dict "ctx" $ "component" "api"). */}}
{{- define "factoryci.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: factoryci
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{ include "factoryci.selectorLabels" . }}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "api"). */}}
{{- define "factoryci.selectorLabels" -}}
app.kubernetes.io/name: {{ include "factoryci.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The namespace agent Jobs run in. */}}
{{- define "factoryci.runsNamespace" -}}
{{- default .Release.Namespace .Values.runner.namespace -}}
{{- end -}}

{{/* repository:tag or repository@digest of an image block (dict "image" .Values.api.image "ctx" $). */}}
{{- define "factoryci.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "factoryci.orchestratorServiceAccount" -}}
{{- printf "%s-orchestrator" (include "factoryci.fullname" .) -}}
{{- end -}}

{{- define "factoryci.agentServiceAccount" -}}
{{- if .Values.runner.serviceAccount.create -}}
{{- default (printf "%s-agent" (include "factoryci.fullname" .)) .Values.runner.serviceAccount.name -}}
{{- else -}}
{{- .Values.runner.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Where agents reach the API. */}}
{{- define "factoryci.agentApiUrl" -}}
{{- if .Values.runner.apiUrl -}}
{{- .Values.runner.apiUrl -}}
{{- else -}}
{{- printf "http://%s-api.%s.svc:%d" (include "factoryci.fullname" .) .Release.Namespace (int .Values.api.service.port) -}}
{{- end -}}
{{- end -}}

{{/* An env var from a Secret key: (dict "name" "DATABASE_URL" "secret" .Values.database.urlSecret). */}}
{{- define "factoryci.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret.name | quote }}
      key: {{ .secret.key | quote }}
{{- end -}}

{{/* DATABASE_URL, REDIS_URL and FACTORY_ENCRYPTION_KEY, shared by the API and the orchestrator. */}}
{{- define "factoryci.coreEnv" -}}
{{ include "factoryci.secretEnv" (dict "name" "DATABASE_URL" "secret" .Values.database.urlSecret) }}
{{ include "factoryci.secretEnv" (dict "name" "REDIS_URL" "secret" .Values.redis.urlSecret) }}
{{ include "factoryci.secretEnv" (dict "name" "FACTORY_ENCRYPTION_KEY" "secret" .Values.encryptionKey.secret) }}
{{- end -}}

{{/* FACTORY_CONSUL_URL and FACTORY_CONSUL_TOKEN when Consul is on (the orchestrator; it passes the URL on to agents). */}}
{{- define "factoryci.consulEnv" -}}
{{- if .Values.consul.enabled }}
- name: FACTORY_CONSUL_URL
  value: {{ .Values.consul.address | quote }}
{{- if .Values.consul.tokenSecret.name }}
{{ include "factoryci.secretEnv" (dict "name" "FACTORY_CONSUL_TOKEN" "secret" .Values.consul.tokenSecret) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* One probe on GET /healthz: (dict "port" "http" "probe" .Values.api.probes.readiness). */}}
{{- define "factoryci.probe" -}}
httpGet:
  path: /healthz
  port: {{ .port }}
periodSeconds: {{ .probe.periodSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
{{- end -}}

{{/* A map as k=v,k=v (sorted by key). */}}
{{- define "factoryci.pairs" -}}
{{- $pairs := list -}}
{{- range $key, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/*
A pod template's annotations: its own (values), and with metrics.podAnnotations the prometheus.io/scrape, /port and
/path annotations of annotation-based scraping (its own win). (dict "ctx" $ "own" .Values.api.podAnnotations "port" 8080)
*/}}
{{- define "factoryci.podAnnotations" -}}
{{- $annotations := deepCopy (.own | default dict) -}}
{{- if .ctx.Values.metrics.podAnnotations -}}
{{- $annotations = merge $annotations (dict "prometheus.io/scrape" "true" "prometheus.io/port" (toString .port) "prometheus.io/path" "/metrics") -}}
{{- end -}}
{{- with $annotations -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}
