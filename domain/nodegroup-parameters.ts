/**
 * The desired state of a cell's EKS managed node group, written once: the create and the
 * in-place update send it (activities/aws/eks-nodegroup.ts), and a drift check compares the
 * group EKS describes with it (a group scaled by hand).
 */
import type { ClusterParams } from './cluster-graph.ts';
import { fieldDrift, type FieldDrift } from './drift.ts';

type Params = ClusterParams['aws.eksNodegroup'];

export interface NodegroupParameters {
  /** A fixed size: the spec's count is the minimum, the maximum and the desired size. */
  scalingConfig: { minSize: number; maxSize: number; desiredSize: number };
  instanceTypes: string[];
}

/** What EKS's DescribeNodegroup reports of the same fields. */
export interface ObservedNodegroup {
  scalingConfig?: { minSize?: number; maxSize?: number; desiredSize?: number };
  instanceTypes?: string[];
}

export function nodegroupParameters(params: Params): NodegroupParameters {
  return {
    scalingConfig: { minSize: params.count, maxSize: params.count, desiredSize: params.count },
    instanceTypes: [params.instanceType],
  };
}

export function nodegroupDrift(params: Params, observed: ObservedNodegroup): FieldDrift[] {
  const desired = nodegroupParameters(params);
  return [
    ...(['desiredSize', 'minSize', 'maxSize'] as const).flatMap((f) => fieldDrift(`scalingConfig.${f}`, desired.scalingConfig[f], observed.scalingConfig?.[f])),
    ...fieldDrift('instanceTypes', desired.instanceTypes, observed.instanceTypes),
  ];
}

/** Whether the size differs: the only part UpdateNodegroupConfig can change (the plan replaces a group for the rest). */
export function nodegroupResized(params: Params, observed: ObservedNodegroup): boolean {
  return nodegroupDrift(params, observed).some((d) => d.field.startsWith('scalingConfig.'));
}
