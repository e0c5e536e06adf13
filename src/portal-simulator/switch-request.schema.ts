import { z } from 'zod';
import { MAX_LATENCY_MS } from './simulator-switches';

/** Body of POST /switches on the control endpoint. Every key is optional; unknown keys are refused. */
export const switchRequestSchema = z.strictObject({
  latency_ms: z.number().int().min(0).max(MAX_LATENCY_MS).optional(),
  error_rate: z.number().min(0).max(1).optional(),
  hang: z.boolean().optional(),
  /** true: hard outage (stop listening); false: listen again on the same port. */
  outage: z.boolean().optional(),
});

export type SwitchRequest = z.output<typeof switchRequestSchema>;
