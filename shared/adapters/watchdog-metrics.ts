/**
 * The functions' own metrics, in CloudWatch's Embedded Metric Format through Powertools Metrics:
 * what the dashboard (template.yaml, WatchdogDashboard) and docs/metrics.md show. Namespace
 * and the `service` dimension come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Notification } from '../domain/notification.ts';
import type { Instant } from '../domain/time.ts';

export const MetricName = {
  /** Seconds from a CloudFormation event's time to the stack-events function having applied it. */
  EVENT_LAG: 'EventLag',
  /** Notifications published, with a `severity` dimension. */
  NOTIFICATIONS: 'Notifications',
  /** Operations in progress at a sweep (a gauge: read its Maximum per minute). */
  OPEN_OPERATIONS: 'OpenOperations',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/**
 * Counts notifications per severity, each severity in its own metric set so that the dashboard
 * can graph them apart.
 *
 * @example
 * recordNotifications(metrics, outcome.notifications);
 */
export function recordNotifications(metrics: Metrics, notifications: readonly Notification[]): void {
  const bySeverity = new Map<string, number>();
  for (const { severity } of notifications) bySeverity.set(severity, (bySeverity.get(severity) ?? 0) + 1);
  for (const [severity, count] of bySeverity) {
    const single = metrics.singleMetric();
    single.addDimension('severity', severity);
    single.addMetric(MetricName.NOTIFICATIONS, MetricUnit.Count, count);
  }
}

/**
 * How late an event was applied; never negative (clocks differ by a little).
 *
 * @example
 * recordEventLag(metrics, event.time, Date.now());
 */
export function recordEventLag(metrics: Metrics, eventTime: Instant, appliedAt: Instant): void {
  metrics.addMetric(MetricName.EVENT_LAG, MetricUnit.Seconds, Math.max(0, (appliedAt - eventTime) / 1000));
}

/** The operations in progress a sweep found. */
export function recordOpenOperations(metrics: Metrics, open: number): void {
  metrics.addMetric(MetricName.OPEN_OPERATIONS, MetricUnit.Count, open);
}
