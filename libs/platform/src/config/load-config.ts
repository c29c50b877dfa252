import { z } from 'zod';

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = ConfigError.name;
  }
}

// Values of these are never repeated in an error: logs are read by more people than secrets are.
const MAY_HOLD_A_SECRET = /SECRET|PASSWORD|TOKEN|KEY|URL|WEBHOOK/i;

/**
 * Reads and validates environment variables once at start-up. Every problem is reported at once,
 * each naming its variable, so a misconfigured service fails fast with one clear message.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const given = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
      return given === undefined || MAY_HOLD_A_SECRET.test(variable)
        ? `${variable}: ${issue.message}`
        : `${variable}: ${issue.message} (got "${given}")`;
    }),
  );
}
