// The training command's schedule flags, parsed into FitOptions.
import type { FitOptions } from '../train/options.js';
import type { LearningRateSchedule } from '../train/schedule.js';
import { num, UsageError } from './common.js';

export const SCHEDULE_FLAGS = {
  'beta-warmup': { type: 'string' }, 'beta-cycles': { type: 'string' }, 'beta-ratio': { type: 'string' },
  'lr-schedule': { type: 'string' }, 'early-stopping': { type: 'string' },
} as const;

export const SCHEDULE_HELP = `  --beta-warmup E     raise β linearly from 0 to --beta over the first E epochs
  --beta-cycles M     cyclical β annealing: M cycles over --epochs, each rising from 0 over the
                      first --beta-ratio of the cycle (default 0.5), then holding (Fu et al. 2019)
  --lr-schedule S     constant (default) | step:EVERY:GAMMA | exp:GAMMA (per epoch) |
                      cosine[:MIN] (to MIN at --epochs) | plateau:PATIENCE[:FACTOR] (on the test loss)
  --early-stopping P  stop when the test loss has not improved for P epochs; keep the best epoch`;

/** The schedule options the flags ask for; `epochs` is the run's total (the schedules' span). */
export function scheduleOptions(v: Record<string, string | boolean | undefined>, epochs: number): Partial<FitOptions> {
  const out: Partial<FitOptions> = { scheduleEpochs: epochs };
  if (v['beta-warmup'] !== undefined && v['beta-cycles'] !== undefined) throw new UsageError('--beta-warmup and --beta-cycles exclude each other');
  if (v['beta-warmup'] !== undefined) out.betaSchedule = { warmup: num(v['beta-warmup'], 'beta-warmup', 0, { min: 0 }) };
  if (v['beta-cycles'] !== undefined) {
    out.betaSchedule = { cycles: num(v['beta-cycles'], 'beta-cycles', 1, { integer: true, min: 1 }), ratio: num(v['beta-ratio'], 'beta-ratio', 0.5, { positive: true, max: 1 }) };
  }
  if (typeof v['lr-schedule'] === 'string') out.learningRateSchedule = parseLrSchedule(v['lr-schedule']);
  if (v['early-stopping'] !== undefined) out.earlyStopping = { patience: num(v['early-stopping'], 'early-stopping', 1, { integer: true, min: 1 }) };
  return out;
}

function parseLrSchedule(text: string): LearningRateSchedule {
  const [kind, ...args] = text.split(':');
  const arg = (i: number, name: string, fallback?: number) => {
    if (args[i] === undefined && fallback !== undefined) return fallback;
    return num(args[i] ?? '', `lr-schedule ${kind}'s ${name}`, 0, { positive: true });
  };
  switch (kind) {
    case 'constant': return { kind: 'constant' };
    case 'step': return { kind: 'step', every: arg(0, 'EVERY'), gamma: arg(1, 'GAMMA') };
    case 'exp': return { kind: 'exponential', gamma: arg(0, 'GAMMA') };
    case 'cosine': return { kind: 'cosine', min: args[0] === undefined ? 0 : num(args[0], "lr-schedule cosine's MIN", 0, { min: 0 }) };
    case 'plateau': return { kind: 'plateau', patience: num(args[0] ?? '', "lr-schedule plateau's PATIENCE", 1, { integer: true, min: 1 }), factor: arg(1, 'FACTOR', 0.1) };
    default: throw new UsageError(`--lr-schedule must be constant, step:EVERY:GAMMA, exp:GAMMA, cosine[:MIN] or plateau:PATIENCE[:FACTOR], got '${text}'`);
  }
}
