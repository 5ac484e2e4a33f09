{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "rocketcluster-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: the release name, unless it already contains the chart name. */}}
{{- define "rocketcluster-operator.fullname" -}}
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

{{- define "rocketcluster-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "rocketcluster-operator.labels" -}}
helm.sh/chart: {{ include "rocketcluster-operator.chart" . }}
{{ include "rocketcluster-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rocketcluster
{{- end }}

{{/* Labels the Deployment selects its pods by; never change them (a selector is immutable). */}}
{{- define "rocketcluster-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rocketcluster-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "rocketcluster-operator.serviceAccountName" -}}
{{- default (include "rocketcluster-operator.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "rocketcluster-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Where the leader-election Lease lives. */}}
{{- define "rocketcluster-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/*
Rules on the resources of managed clusters (operator contract, "RBAC the operator needs"), shared
by the ClusterRole (all namespaces) and the per-namespace Roles (watchNamespaces). Leases are not
here: they get their own Role in the Lease's namespace only.
*/}}
{{- define "rocketcluster-operator.clusterRules" -}}
- apiGroups: ["rocketcluster.io"]
  resources: ["rocketclusters"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: ["rocketcluster.io"]
  resources: ["rocketclusters/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["rocketcluster.io"]
  resources: ["rocketclusters/finalizers"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["services", "configmaps", "secrets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# delete: the operator orders rollouts by deleting pods (OnDelete); patch: the role label.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "delete", "patch"]
# delete: a removed group's claims, only when spec.broker.storage.deleteClaimsOnScaleDown is set.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["monitoring.coreos.com"]
  resources: ["servicemonitors"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end }}

{{/*
The watched namespaces as a JSON list, deduplicated. Accepts a list (values file) or a comma
separated string (`--set watchNamespaces=a\,b` or a single name). Use with fromJsonArray.
*/}}
{{- define "rocketcluster-operator.watchNamespaces" -}}
{{- $raw := .Values.watchNamespaces | default list }}
{{- if kindIs "string" $raw }}
{{- $raw = splitList "," $raw }}
{{- end }}
{{- $out := list }}
{{- range $raw }}
{{- $ns := . | toString | trim }}
{{- if $ns }}
{{- $out = append $out $ns }}
{{- end }}
{{- end }}
{{- $out | uniq | toJson }}
{{- end }}
