/** The access policies, read once from the policy file when the service starts. */
export const POLICY_SET = Symbol('POLICY_SET');
