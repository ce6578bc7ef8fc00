// The emulated EKS authenticator's own calls to STS and EKS carry this header. In AWS
// those calls are made inside EKS and are not the customer's API calls, so Moto counts
// them apart from the product's (sim/aws/faults.py, `GET /_sim/calls?caller=cluster`).
export const CLUSTER_CALLER_HEADER = 'x-cellbridge-sim-caller';
export const CLUSTER_CALLER = 'eks-authenticator';
