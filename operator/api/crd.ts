/**
 * The RocketCluster CustomResourceDefinition (apiextensions.k8s.io/v1) as a plain wire-form object,
 * built from schema.ts. gen-crds.ts writes it to crds/; the fake API server and tests can install
 * it as it is.
 */
import type { JsonSchemaProps } from './schema-kit';
import { rocketClusterSchema } from './schema';
import { API_GROUP, API_VERSION, KIND, PLURAL } from './types';

export const SINGULAR = 'rocketcluster';
export const SHORT_NAMES = ['rcl'] as const;
export const CATEGORIES = ['rocketcluster'] as const;
export const CRD_NAME = `${PLURAL}.${API_GROUP}`;

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'integer' | 'number' | 'string' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: { readonly openAPIV3Schema: JsonSchemaProps };
  readonly subresources: {
    readonly status: Record<string, never>;
    readonly scale: { readonly specReplicasPath: string; readonly statusReplicasPath: string; readonly labelSelectorPath: string };
  };
  readonly additionalPrinterColumns: readonly PrinterColumn[];
}

export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: {
    readonly group: string;
    readonly scope: 'Namespaced';
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames: readonly string[];
      readonly categories: readonly string[];
    };
    readonly versions: readonly CrdVersion[];
  };
}

export const PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Groups', type: 'integer', jsonPath: '.spec.broker.groups', description: 'Broker groups wanted' },
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.broker.replicasPerGroup', description: 'Replicas per group' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
  { name: 'Failovers', type: 'integer', jsonPath: '.status.failovers' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Masters', type: 'string', jsonPath: '.status.groups[*].master', priority: 1 },
  { name: 'Epochs', type: 'string', jsonPath: '.status.groups[*].epoch', priority: 1 },
  { name: 'Nameserver', type: 'string', jsonPath: '.status.nameserverAddress', priority: 1 },
  { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
];

export function buildCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'rocketcluster', 'app.kubernetes.io/part-of': 'rocketcluster-operator' } },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [...SHORT_NAMES],
        categories: [...CATEGORIES],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: rocketClusterSchema },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.broker.groups', statusReplicasPath: '.status.brokerGroups', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: PRINTER_COLUMNS,
        },
      ],
    },
  };
}
