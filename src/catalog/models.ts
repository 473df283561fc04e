import type { ModelSpec } from '../core/catalog.js';
import { HAILUO } from './hailuo.js';
import { KLING } from './kling.js';
import { SEEDANCE } from './seedance.js';
import { SORA } from './sora.js';
import { VEO } from './veo.js';
import { VIDU } from './vidu.js';
import { WAN } from './wan.js';

/**
 * The model catalog: what each user-facing model can do, its limits, what a clip costs, and the
 * routes that reach it, tried in order among the providers that have a key. Pure data: adding a
 * model a provider hosts is a new entry in its family's file (`kling.ts`, …), not code; each route's params are checked by its
 * provider at start (`catalogProblems`) and against the vendor's tables by the catalog test.
 *
 * Sources: docs/reference/providers.md, the RunningHub endpoint table
 * (test/fixtures/vendor/runninghub-video-endpoints.json) and the vendors' model pages. Where two
 * routes of one model differ, the model's limits are the stricter of the two, so a request valid
 * for the model is valid on every route.
 *
 * Prices: 1 credit = ¥0.01 (see `CreditPrice`). The vendor table has no prices; where RunningHub's
 * pricing file (docs/reference/providers.md) has none either, the entry says how its number was
 * estimated, and an operator can set the real one with `PRICES_FILE`.
 */

/**
 * The families members choose among, in the order `/models` shows them: Kling (the default model's)
 * first, then the others by the vendor's popularity rank.
 */
export const FAMILIES: readonly { id: string; label: string }[] = [
  { id: 'kling', label: 'Kling' },
  { id: 'sora', label: 'Sora (OpenAI)' },
  { id: 'veo', label: 'Veo (Google)' },
  { id: 'hailuo', label: 'Hailuo (MiniMax)' },
  { id: 'vidu', label: 'Vidu' },
  { id: 'wan', label: 'Wan (Alibaba)' },
  { id: 'seedance', label: 'Seedance (ByteDance)' },
];

export const CATALOG: readonly ModelSpec[] = [
  ...KLING,
  ...SORA,
  ...VEO,
  ...HAILUO,
  ...VIDU,
  ...WAN,
  ...SEEDANCE,
];
