/** The label on everything cellbridge applies to a cluster, so an operator can tell what is ours. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cellbridge' } as const;
