import { OperationType } from './status.ts';
import { formatDurationSpec, MINUTE_MS, parseDuration, TimeFormatError } from './time.ts';
import { UserInputError } from '../errors.ts';

export interface Threshold {
  readonly warnMs: number;
  readonly criticalMs: number;
  /**
   * `auto`: WARNING and CRITICAL by how long this stack's operations of the type usually take
   * (adaptive.ts), never later than `warnMs`/`criticalMs`, which are then the ceiling.
   */
  readonly adaptive?: boolean | undefined;
}

/** Thresholds per operation type, with the `*` default for the types not named. */
export interface Thresholds {
  readonly byType: Readonly<Partial<Record<OperationType, Threshold>>>;
  readonly fallback: Threshold;
}

export class ThresholdSpecError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ThresholdSpecError';
  }
}

export const DEFAULT_THRESHOLD_SPEC = '*=20m/40m';

const TYPE_NAMES = Object.keys(OperationType).join(', ');

const AUTO = 'auto';

/**
 * Parses a threshold spec such as `DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m`. Types not named
 * fall back to `*`, which defaults to 20m/40m. `TYPE=auto` makes a type adaptive (adaptive.ts)
 * under the ceiling of `*`; `TYPE=auto:WARN/CRITICAL` under a ceiling of its own.
 *
 * @example
 * thresholdFor(parseThresholds('DELETE=15m/30m'), 'DELETE').warnMs; // 900_000
 * thresholdFor(parseThresholds('UPDATE=auto,*=20m/40m'), 'UPDATE'); // { warnMs: 1_200_000, …, adaptive: true }
 */
export function parseThresholds(spec: string = DEFAULT_THRESHOLD_SPEC): Thresholds {
  const byType: Partial<Record<OperationType, Threshold>> = {};
  let fallback: Threshold = { warnMs: 20 * MINUTE_MS, criticalMs: 40 * MINUTE_MS };
  // `TYPE=auto` takes the ceiling of `*`, which may come later in the spec.
  const autoUnderFallback: OperationType[] = [];
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.every((part) => part === '')) {
    throw new ThresholdSpecError(
      `thresholds: expected TYPE=WARN/CRITICAL entries such as DELETE=20m/40m, got '${spec}'`,
    );
  }
  const seen = new Set<string>();
  for (const part of parts) {
    const auto = /^([A-Za-z*]+)=auto$/i.exec(part);
    const match = auto ? null : /^([A-Za-z*]+)=(?:(auto):)?([^/]+)\/(.+)$/i.exec(part);
    const name = auto?.[1] ?? match?.[1];
    if (!name || (!auto && (!match?.[3] || !match[4]))) {
      throw new ThresholdSpecError(
        `thresholds: '${part}' is not TYPE=WARN/CRITICAL, TYPE=auto or TYPE=auto:WARN/CRITICAL (e.g. DELETE=20m/40m)`,
      );
    }
    const type = name.toUpperCase();
    if (type !== '*' && !Object.hasOwn(OperationType, type)) {
      throw new ThresholdSpecError(
        `thresholds: '${part}' names unknown operation type '${name}' (expected ${TYPE_NAMES} or *)`,
      );
    }
    if (seen.has(type)) throw new ThresholdSpecError(`thresholds: '${part}' repeats type ${type}`);
    seen.add(type);
    if (auto) {
      if (type === '*') fallback = { ...fallback, adaptive: true };
      else autoUnderFallback.push(type as OperationType);
      continue;
    }
    let threshold: Threshold;
    try {
      threshold = {
        warnMs: parseDuration(match?.[3] ?? '', 'warn'),
        criticalMs: parseDuration(match?.[4] ?? '', 'critical'),
        ...(match?.[2] ? { adaptive: true } : {}),
      };
    } catch (error) {
      const detail = error instanceof TimeFormatError ? error.message : String(error);
      throw new ThresholdSpecError(`thresholds: '${part}': ${detail}`, { cause: error });
    }
    if (threshold.warnMs <= 0 || threshold.criticalMs < threshold.warnMs) {
      throw new ThresholdSpecError(`thresholds: '${part}': expected 0 < warn <= critical`);
    }
    if (type === '*') fallback = threshold;
    else byType[type as OperationType] = threshold;
  }
  for (const type of autoUnderFallback)
    byType[type] = { warnMs: fallback.warnMs, criticalMs: fallback.criticalMs, adaptive: true };
  return { byType, fallback };
}

export function thresholdFor(thresholds: Thresholds, type: OperationType): Threshold {
  return thresholds.byType[type] ?? thresholds.fallback;
}

/** The spec that parses back to these thresholds, for logs and output headers. */
export function formatThresholds(thresholds: Thresholds): string {
  const entry = (name: string, { warnMs, criticalMs, adaptive }: Threshold) =>
    `${name}=${adaptive ? `${AUTO}:` : ''}${formatDurationSpec(warnMs)}/${formatDurationSpec(criticalMs)}`;
  const typed = Object.values(OperationType).flatMap((type) => {
    const threshold = thresholds.byType[type];
    return threshold ? [entry(type, threshold)] : [];
  });
  return [...typed, entry('*', thresholds.fallback)].join(',');
}
