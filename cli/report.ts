/**
 * `cfn-watchdog report`: one HTML file for a postmortem — a timeline of the stacks of each
 * service with their operations, thresholds, notifications and impact windows, then the windows
 * as a table and the exact interval to hand to recovery. Everything is inline (CSS and SVG, no
 * script, no URL) so that the file opens anywhere, offline, attached to a ticket years later.
 */
import type { ServiceWindow } from '../shared/app/ports.ts';
import { operationDuration, operationStop, type Operation, type Phase } from '../shared/domain/operations.ts';
import type { ServiceKey } from '../shared/domain/service.ts';
import type { Severity } from '../shared/domain/severity.ts';
import { STATUS_RULES, StatusClass, type StackStatus } from '../shared/domain/status.ts';
import { formatThresholds, thresholdFor, type Thresholds } from '../shared/domain/thresholds.ts';
import { floorToSecond, formatInstant, humanDuration, MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import type { ImpactWindow } from '../shared/domain/windows.ts';
import { plural } from './text.ts';
import { windowRow } from './windows.ts';
import { zonedFormatter, type TimeFormatter } from './zoned-time.ts';

/** One stack (one stack id: a stack recreated under the same name is another one). */
export interface ReportStack {
  readonly stackId: string;
  readonly stackName: string;
  /** Its operations that overlap the report's range, by start. */
  readonly operations: readonly Operation[];
}

/** A notification that went out (the notifier accepted it at `at`). */
export interface ReportNotification {
  readonly at: Instant;
  readonly severity: Severity;
  readonly stackId: string;
  readonly stackName: string;
}

export interface ReportService {
  readonly key: ServiceKey;
  /** One timeline row each, in this order. */
  readonly stacks: readonly ReportStack[];
  /** Its windows overlapping the range, by start. */
  readonly windows: readonly ImpactWindow[];
  readonly notifications: readonly ReportNotification[];
}

/** Everything a report shows: plain data, so that rendering is a pure function of it. */
export interface ReportData {
  readonly from: Instant;
  readonly to: Instant;
  /** "Now" for running operations and open windows. */
  readonly generatedAt: Instant;
  readonly thresholds: Thresholds;
  readonly services: readonly ReportService[];
}

export interface ReportOptions {
  /** IANA zone for the times people read (`--tz`); data attributes and the hand-off stay UTC. */
  readonly tz?: string | undefined;
  /**
   * The data-source options the report was read with (e.g. `['--db', '/srv/incident']`), so
   * that the hand-off command runs as pasted.
   */
  readonly sourceArgs?: readonly string[] | undefined;
}

// ---- layout (SVG user units, drawn 1:1 as CSS pixels) -------------------------------------------

const CHART_WIDTH = 1200;
const PLOT_LEFT = 250;
const PLOT_RIGHT = CHART_WIDTH - 28;
const AXIS_HEIGHT = 40;
const SERVICE_HEIGHT = 26;
/** A row: the bar on top, the notifications on a line of their own below it, so neither hides the other. */
const ROW_HEIGHT = 42;
const BAR_TOP = 6;
const BAR_HEIGHT = 14;
const MARKER_CENTRE = 32;
const MARKER_RADIUS = 7;
const END_CAP_WIDTH = 4;
const CHART_BOTTOM_MARGIN = 12;
/** What fits the label column at 12 px. */
const MAX_LABEL_CHARS = 34;
/** Candidate axis steps, in minutes: the smallest that gives at most MAX_TICKS intervals wins. */
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
const MAX_TICKS = 12;

/** The colour classes of an operation's phases; a terminal phase is drawn as the bar's end cap. */
type PhaseClass = 'progress' | 'cleanup' | 'rollback' | 'success' | 'failure';

const PHASE_LEGEND: readonly { readonly phaseClass: PhaseClass; readonly label: string }[] = [
  { phaseClass: 'progress', label: 'in progress (CREATE/UPDATE/DELETE/IMPORT_IN_PROGRESS)' },
  { phaseClass: 'cleanup', label: 'cleanup after success (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS)' },
  { phaseClass: 'rollback', label: 'rolling back (…ROLLBACK…_IN_PROGRESS)' },
  { phaseClass: 'success', label: 'ended: success' },
  { phaseClass: 'failure', label: 'ended: failure (bar outlined red)' },
];

const STYLE = `
body {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232b; margin: 24px; background: #fff;
}
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d8dde3; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0; font-size: 13px; }
dl.meta dt { color: #5a6573; }
dl.meta dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.chart { overflow-x: auto; border: 1px solid #d8dde3; border-radius: 4px; background: #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12px; margin: 8px 0; color: #39424d; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0 8px; }
th, td { border: 1px solid #d8dde3; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; }
td.time, td.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; }
td.name { white-space: nowrap; }
.open { color: #b71c1c; font-weight: 600; }
pre {
  background: #f6f8fa; border: 1px solid #d8dde3; border-radius: 4px; padding: 8px 10px; font-size: 12.5px;
  white-space: pre-wrap; word-break: break-all; margin: 4px 0;
}
p.note { font-size: 12.5px; color: #5a6573; margin: 4px 0; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.axis-line { stroke: #5a6573; stroke-width: 1; }
.grid { stroke: #e3e7eb; stroke-width: 1; }
.tick-label, .axis-caption { font-size: 11px; fill: #5a6573; }
.row-even { fill: #fafbfc; }
.row-odd { fill: #ffffff; }
.service-band { fill: #eef1f4; }
.service-label { font-size: 12px; font-weight: 600; fill: #1d232b; }
.stack-label { font-size: 12px; fill: #1d232b; }
.window-shade { fill: #d32f2f; fill-opacity: 0.11; }
.window-edge { stroke: #d32f2f; stroke-width: 1.5; stroke-dasharray: 4 3; }
.window-label { font-size: 11px; fill: #b71c1c; font-weight: 600; }
.phase-progress { fill: #3d73c9; }
.phase-cleanup { fill: #8fb3d9; }
.phase-rollback { fill: #e3872d; }
.phase-success { fill: #2e9e5b; }
.phase-failure { fill: #c62828; }
.outline-failed { fill: none; stroke: #c62828; stroke-width: 2; }
.outline-abandoned { fill: none; stroke: #7a838d; stroke-width: 1.5; stroke-dasharray: 3 2; }
.outline-running { fill: none; stroke: #3d73c9; stroke-width: 1.5; stroke-dasharray: 2 2; }
.threshold-warn { stroke: #d89a00; stroke-width: 2.5; }
.threshold-critical { stroke: #8e0000; stroke-width: 2.5; }
.threshold-upcoming { stroke-dasharray: 3 2; stroke-opacity: 0.6; }
.now-line { stroke: #1d232b; stroke-width: 1; stroke-dasharray: 2 3; }
.marker-text { font-size: 9px; font-weight: 700; fill: #fff; }
.notification-WARNING circle { fill: #e0a800; }
.notification-CRITICAL circle { fill: #d32f2f; }
.notification-FAILED circle { fill: #5e1a75; }
.notification-RESOLVED circle { fill: #2e7d32; }
.notification circle { stroke: #fff; stroke-width: 1.5; }
.marker-stem { stroke: #7a838d; stroke-width: 1; }
`;

// ---- text ----------------------------------------------------------------------------------------

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values alike: stack names, reasons and paths are user data. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Attributes from a record, escaped; `undefined` values are left out. */
function attrs(values: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${esc(String(value))}"`)
    .join('');
}

/** Two decimals are finer than a pixel and keep the markup short. */
function num(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A word a POSIX shell reads back unchanged. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

// ---- scale and axis ------------------------------------------------------------------------------

interface Scale {
  /** The x of an instant, unclamped (ticks and data attributes say where it really is). */
  readonly x: (at: Instant) => number;
  /** The x of an instant, kept inside the plot (what is drawn). */
  readonly clampedX: (at: Instant) => number;
}

function scaleOf(from: Instant, to: Instant): Scale {
  const span = Math.max(1000, to - from);
  const x = (at: Instant): number => num(PLOT_LEFT + ((at - from) / span) * (PLOT_RIGHT - PLOT_LEFT));
  return { x, clampedX: (at) => Math.min(PLOT_RIGHT, Math.max(PLOT_LEFT, x(at))) };
}

/** How far the zone's wall clock is ahead of UTC at `at`, read back from the formatter. */
function zoneOffsetMs(at: Instant, format: TimeFormatter): number {
  return Date.parse(`${format(at).slice(0, 19)}Z`) - floorToSecond(at);
}

interface Tick {
  readonly at: Instant;
  readonly label: string;
}

/** Ticks on round wall-clock times of the zone (its offset at `from`). */
function axisTicks(from: Instant, to: Instant, format: TimeFormatter): Tick[] {
  const week = 7 * 24 * 60;
  const stepMinutes =
    TICK_STEPS.find((minutes) => (to - from) / (minutes * MINUTE_MS) <= MAX_TICKS) ??
    week * Math.ceil((to - from) / (week * MINUTE_MS * MAX_TICKS));
  const step = stepMinutes * MINUTE_MS;
  const offset = zoneOffsetMs(from, format);
  const ticks: Tick[] = [];
  let previousDate = format(from).slice(0, 10);
  for (let at = Math.ceil((from + offset) / step) * step - offset; at <= to; at += step) {
    const text = format(at);
    const date = text.slice(0, 10);
    const time = text.slice(11, 16);
    ticks.push({
      at,
      label: stepMinutes >= 1440 ? text.slice(5, 10) : date === previousDate ? time : `${text.slice(5, 10)} ${time}`,
    });
    previousDate = date;
  }
  return ticks;
}

// ---- operations ----------------------------------------------------------------------------------

/**
 * The colour class of a phase. A cleanup after a rollback
 * (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS) is still the failed update's way back, so
 * ROLLBACK is looked for before CLEANUP.
 */
function phaseClassOf(status: StackStatus): PhaseClass {
  const statusClass = STATUS_RULES[status].statusClass;
  if (statusClass === StatusClass.SUCCESS) return 'success';
  if (statusClass === StatusClass.FAILURE) return 'failure';
  if (status.includes('ROLLBACK')) return 'rollback';
  if (status.includes('CLEANUP')) return 'cleanup';
  return 'progress';
}

interface PhaseSpan {
  readonly phase: Phase;
  readonly from: Instant;
  readonly to: Instant;
}

/** Each in-progress phase runs until the next phase, the operation's stop, or now. */
function phaseSpans(operation: Operation, now: Instant): PhaseSpan[] {
  const stop = operationStop(operation) ?? now;
  return operation.phases
    .map((phase, index) => ({ phase, from: phase.time, to: operation.phases[index + 1]?.time ?? stop }))
    .filter(({ phase }) => {
      const phaseClass = phaseClassOf(phase.status);
      return phaseClass !== 'success' && phaseClass !== 'failure';
    });
}

function operationEndText(operation: Operation): string {
  switch (operation.state) {
    case 'ended':
      return formatInstant(operation.end);
    case 'abandoned':
      return formatInstant(operation.supersededAt);
    case 'running':
      return 'running';
  }
}

/** The reason people need: the latest non-empty one (a rollback's, not its empty ROLLBACK_COMPLETE). */
function operationReason(operation: Operation): string {
  const phase = [...operation.phases].reverse().find((candidate) => candidate.statusReason !== '');
  return phase === undefined ? '' : `${phase.status}: ${phase.statusReason}`;
}

function finalStatusText(operation: Operation): string {
  switch (operation.state) {
    case 'ended':
      return operation.finalStatus;
    case 'abandoned':
      return 'abandoned (no terminal event before the next operation)';
    case 'running':
      return `running (${operation.phases.at(-1)?.status ?? 'no phase'})`;
  }
}

// ---- the chart -----------------------------------------------------------------------------------

interface RowLayout {
  readonly stack: ReportStack;
  readonly top: number;
  readonly label: string;
}

interface ServiceLayout {
  readonly service: ReportService;
  readonly top: number;
  readonly rows: readonly RowLayout[];
  readonly bottom: number;
}

function stackLabel(stack: ReportStack, sameName: number): string {
  // A stack recreated under the same name gets its own row; its id's uuid tells the rows apart.
  const name =
    sameName > 1 ? `${stack.stackName} · ${stack.stackId.split('/').at(-1)?.slice(0, 8) ?? ''}` : stack.stackName;
  return name.length > MAX_LABEL_CHARS ? `${name.slice(0, MAX_LABEL_CHARS - 1)}…` : name;
}

function layout(services: readonly ReportService[]): { services: ServiceLayout[]; height: number } {
  let y = AXIS_HEIGHT;
  const laidOut = services.map((service): ServiceLayout => {
    const top = y;
    y += SERVICE_HEIGHT;
    const rows = service.stacks.map((stack): RowLayout => {
      const sameName = service.stacks.filter((other) => other.stackName === stack.stackName).length;
      const row = { stack, top: y, label: stackLabel(stack, sameName) };
      y += ROW_HEIGHT;
      return row;
    });
    return { service, top, rows, bottom: y };
  });
  return { services: laidOut, height: y + CHART_BOTTOM_MARGIN };
}

function axisSvg(data: ReportData, scale: Scale, height: number, format: TimeFormatter, zoneName: string): string {
  const ticks = axisTicks(data.from, data.to, format);
  const axisLine = attrs({
    'data-axis-from': formatInstant(data.from),
    'data-axis-to': formatInstant(data.to),
    'data-x1': PLOT_LEFT,
    'data-x2': PLOT_RIGHT,
    x1: PLOT_LEFT,
    x2: PLOT_RIGHT,
    y1: AXIS_HEIGHT,
    y2: AXIS_HEIGHT,
  });
  const parts = [
    `<text class="axis-caption" x="8" ` +
      `y="${AXIS_HEIGHT - 12}">${esc(`${zoneName} · ${format(data.from).slice(0, 10)}`)}</text>`,
    `<line class="axis-line"${axisLine}/>`,
  ];
  for (const tick of ticks) {
    const x = scale.x(tick.at);
    parts.push(
      `<g${attrs({ class: 'tick', 'data-tick': formatInstant(tick.at), 'data-x': x })}>` +
        `<line class="grid"${attrs({ x1: x, x2: x, y1: AXIS_HEIGHT - 6, y2: height - CHART_BOTTOM_MARGIN })}/>` +
        `<text class="tick-label"${attrs({ x, y: AXIS_HEIGHT - 12, 'text-anchor': 'middle' })}>` +
        `${esc(tick.label)}</text></g>`,
    );
  }
  return parts.join('\n');
}

function windowSvg(
  window: ImpactWindow,
  laid: ServiceLayout,
  scale: Scale,
  now: Instant,
  format: TimeFormatter,
): string {
  const x1 = scale.clampedX(window.start);
  const x2 = scale.clampedX(window.end ?? now);
  const top = laid.top + SERVICE_HEIGHT;
  const height = Math.max(laid.bottom - top, ROW_HEIGHT / 2);
  const endText = window.end === null ? 'open' : formatInstant(window.end);
  const duration = `${humanDuration((window.end ?? now) - window.start)}${window.end === null ? ' so far' : ''}`;
  const tooltip =
    `impact window of ${laid.service.key.service}: ${format(window.start)} to ` +
    `${window.end === null ? 'still open' : format(window.end)} (${duration}), peak ${window.peakSeverity}`;
  const edges = [
    ...(scale.x(window.start) < PLOT_LEFT
      ? []
      : [`<line class="window-edge"${attrs({ x1, x2: x1, y1: top, y2: top + height })}/>`]),
    // An edge only where the window really ends: one cut off by the range runs on past the axis.
    ...(window.end === null || scale.x(window.end) > PLOT_RIGHT
      ? []
      : [`<line class="window-edge"${attrs({ x1: x2, x2, y1: top, y2: top + height })}/>`]),
  ];
  return [
    `<rect class="window-shade"${attrs({
      'data-window-start': formatInstant(window.start),
      'data-window-end': endText,
      'data-service': laid.service.key.service,
      'data-x1': scale.x(window.start),
      'data-x2': scale.x(window.end ?? now),
      x: x1,
      y: top,
      width: num(x2 - x1),
      height,
    })}><title>${esc(tooltip)}</title></rect>`,
    ...edges,
    `<text class="window-label"${attrs({ x: num(x1 + 4), y: laid.top + SERVICE_HEIGHT - 8 })}>` +
      `${esc(`impact window · ${duration} · ${window.peakSeverity}`)}</text>`,
  ].join('\n');
}

function operationSvg(operation: Operation, row: RowLayout, scale: Scale, now: Instant, format: TimeFormatter): string {
  const y = row.top + BAR_TOP;
  const stop = operationStop(operation) ?? now;
  const x1 = scale.clampedX(operation.start);
  const x2 = scale.clampedX(stop);
  const failed = operation.state === 'ended' && operation.failed;
  const summary =
    `${operation.type} of ${operation.stackName}: ${format(operation.start)} to ` +
    `${operation.state === 'running' ? 'still running' : format(stop)} ` +
    `(${humanDuration(operationDuration(operation, now))}), ${finalStatusText(operation)}`;
  const parts = [`<title>${esc(summary)}</title>`];
  for (const span of phaseSpans(operation, now)) {
    const sx1 = scale.clampedX(span.from);
    const sx2 = scale.clampedX(span.to);
    if (sx2 <= sx1) continue;
    const reason = span.phase.statusReason === '' ? '' : `: ${span.phase.statusReason}`;
    parts.push(
      `<rect class="phase ` +
        `phase-${phaseClassOf(span.phase.status)}"` +
        `${attrs({ 'data-phase': span.phase.status, x: sx1, y, width: num(sx2 - sx1), height: BAR_HEIGHT })}>` +
        `<title>${esc(`${span.phase.status} from ${format(span.from)}${reason}`)}</title></rect>`,
    );
  }
  const outline = failed
    ? 'outline-failed'
    : operation.state === 'abandoned'
      ? 'outline-abandoned'
      : operation.state === 'running'
        ? 'outline-running'
        : undefined;
  if (outline !== undefined && x2 > x1)
    parts.push(`<rect class="${outline}"${attrs({ x: x1, y, width: num(x2 - x1), height: BAR_HEIGHT })}/>`);
  const endX = operation.state === 'ended' ? scale.x(operation.end) : null;
  if (operation.state === 'ended' && endX !== null && endX >= PLOT_LEFT && endX <= PLOT_RIGHT) {
    const capX = num(endX - END_CAP_WIDTH / 2);
    const terminal = operation.phases.at(-1);
    const reason = terminal && terminal.statusReason !== '' ? `: ${terminal.statusReason}` : '';
    parts.push(
      `<rect class="end-cap ` +
        `phase-${failed ? 'failure' : 'success'}"` +
        `${attrs({
          'data-end-status': operation.finalStatus,
          x: capX,
          y: num(y - 3),
          width: END_CAP_WIDTH,
          height: BAR_HEIGHT + 6,
        })}>` +
        `<title>${esc(`${operation.finalStatus} at ${format(operation.end)}${reason}`)}</title></rect>`,
    );
  }
  return `<g${attrs({
    class: 'operation',
    'data-operation': operation.type,
    'data-stack-id': operation.stackId,
    'data-state': operation.state,
    'data-failed': String(failed),
    'data-start': formatInstant(operation.start),
    'data-end': operationEndText(operation),
    'data-x1': scale.x(operation.start),
    'data-x2': scale.x(stop),
  })}>${parts.join('')}</g>`;
}

/**
 * The warn and critical marks of an operation: those it reached, and, while it runs, those it
 * is heading for (dashed). An operation that ended before a threshold gets no mark for it: a
 * mark past the end of a 9-second deletion would only clutter its row.
 */
function thresholdSvg(
  operation: Operation,
  row: RowLayout,
  data: ReportData,
  scale: Scale,
  format: TimeFormatter,
): string {
  const threshold = thresholdFor(data.thresholds, operation.type);
  const stop = operationStop(operation) ?? data.generatedAt;
  const marks: string[] = [];
  for (const [kind, ms] of [
    ['warn', threshold.warnMs],
    ['critical', threshold.criticalMs],
  ] as const) {
    const at = operation.start + ms;
    const reached = at <= stop;
    if ((!reached && operation.state !== 'running') || at < data.from || at > data.to) continue;
    const x = scale.x(at);
    const tooltip =
      `${kind} threshold (${humanDuration(ms)}) of the ${operation.type} started ` +
      `${format(operation.start)}: ${format(at)}${reached ? '' : ', not reached yet'}`;
    marks.push(
      `<line class="threshold threshold-${kind}${reached ? '' : ' threshold-upcoming'}"${attrs({
        'data-threshold': kind,
        'data-at': formatInstant(at),
        'data-operation-start': formatInstant(operation.start),
        'data-reached': String(reached),
        'data-x': x,
        x1: x,
        x2: x,
        y1: row.top + BAR_TOP - 4,
        y2: row.top + BAR_TOP + BAR_HEIGHT + 4,
      })}><title>${esc(tooltip)}</title></line>`,
    );
  }
  return marks.join('\n');
}

function notificationSvg(
  notification: ReportNotification,
  row: RowLayout,
  scale: Scale,
  format: TimeFormatter,
): string {
  const x = scale.x(notification.at);
  const y = row.top + MARKER_CENTRE;
  return (
    `<g${attrs({
      class: `notification notification-${notification.severity}`,
      'data-notification': notification.severity,
      'data-at': formatInstant(notification.at),
      'data-stack-id': notification.stackId,
      'data-x': x,
    })}>` +
    `<title>${esc(`${notification.severity} sent ${format(notification.at)} for ${notification.stackName}`)}</title>` +
    `<line class="marker-stem"${attrs({ x1: x, x2: x, y1: row.top + BAR_TOP + BAR_HEIGHT, y2: y - MARKER_RADIUS })}/>` +
    `<circle${attrs({ cx: x, cy: y, r: MARKER_RADIUS })}/>` +
    `<text class="marker-text"${attrs({ x, y: num(y + 3), 'text-anchor': 'middle' })}>` +
    `${esc(notification.severity.slice(0, 1))}</text></g>`
  );
}

function chartSvg(data: ReportData, format: TimeFormatter, zoneName: string): string {
  const scale = scaleOf(data.from, data.to);
  const { services, height } = layout(data.services);
  const inRange = (at: Instant): boolean => at >= data.from && at <= data.to;
  const backgrounds: string[] = [];
  const shades: string[] = [];
  const rows: string[] = [];
  const overlays: string[] = [];
  let stripe = 0;
  for (const laid of services) {
    const { key } = laid.service;
    backgrounds.push(
      `<rect class="service-band"${attrs({ x: 0, y: laid.top, width: CHART_WIDTH, height: SERVICE_HEIGHT })}/>`,
    );
    rows.push(
      `<text class="service-label"` +
        `${attrs({ 'data-service': key.service, x: 8, y: laid.top + SERVICE_HEIGHT - 8 })}>` +
        `${esc(key.service)}<title>${esc(`${key.service} · account ${key.account} · ${key.region}`)}</title></text>`,
    );
    for (const window of laid.service.windows) shades.push(windowSvg(window, laid, scale, data.generatedAt, format));
    for (const row of laid.rows) {
      backgrounds.push(
        `<rect class="${stripe++ % 2 === 0 ? 'row-even' : 'row-odd'}"` +
          `${attrs({ x: 0, y: row.top, width: CHART_WIDTH, height: ROW_HEIGHT })}/>`,
      );
      const operations = row.stack.operations.map((operation) =>
        operationSvg(operation, row, scale, data.generatedAt, format),
      );
      const marks = row.stack.operations
        .map((operation) => thresholdSvg(operation, row, data, scale, format))
        .filter((mark) => mark !== '');
      rows.push(
        `<g${attrs({
          class: 'stack-row',
          'data-stack-row': row.stack.stackName,
          'data-stack-id': row.stack.stackId,
        })}>` +
          `<text class="stack-label"${attrs({ x: 16, y: row.top + BAR_TOP + BAR_HEIGHT / 2 + 4 })}>` +
          `${esc(row.label)}<title>${esc(row.stack.stackId)}</title></text>\n` +
          `${[...operations, ...marks].join('\n')}</g>`,
      );
      const notifications = laid.service.notifications.filter(
        (notification) => notification.stackId === row.stack.stackId && inRange(notification.at),
      );
      for (const notification of notifications) overlays.push(notificationSvg(notification, row, scale, format));
    }
  }
  if (inRange(data.generatedAt)) {
    const x = scale.x(data.generatedAt);
    const nowLine = attrs({
      'data-now': formatInstant(data.generatedAt),
      x1: x,
      x2: x,
      y1: AXIS_HEIGHT,
      y2: height - CHART_BOTTOM_MARGIN,
    });
    overlays.push(
      `<line class="now-line"${nowLine}>` +
        `<title>${esc(`report generated ${format(data.generatedAt)}`)}</title></line>`,
    );
  }
  return [
    `<svg${attrs({
      'data-chart': 'timeline',
      role: 'img',
      'aria-label': 'timeline of operations, notifications and impact windows',
      width: CHART_WIDTH,
      height,
      viewBox: `0 0 ${CHART_WIDTH} ${height}`,
    })}>`,
    ...backgrounds,
    axisSvg(data, scale, height, format, zoneName),
    ...shades,
    ...rows,
    ...overlays,
    '</svg>',
  ].join('\n');
}

function legendHtml(): string {
  const swatch = (className: string, width = 18): string =>
    `<svg width="${width}" height="12" aria-hidden="true"><rect class="${className}" x="1" y="1" ` +
    `width="${width - 2}" height="10"/></svg>`;
  const line = (className: string): string =>
    `<svg width="14" height="14" aria-hidden="true"><line class="${className}" x1="7" x2="7" y1="0" y2="14"/></svg>`;
  const dot = (severity: Severity): string =>
    `<svg width="14" height="14" aria-hidden="true" class="notification-${severity}"><circle cx="7" cy="7" ` +
    `r="6"/></svg>`;
  const items = [
    ...PHASE_LEGEND.map(({ phaseClass, label }) => `<span>${swatch(`phase-${phaseClass}`)}${esc(label)}</span>`),
    `<span>${swatch('window-shade', 24)}impact window of the service</span>`,
    `<span>${line('threshold-warn')}warn threshold</span>`,
    `<span>${line('threshold-critical')}critical threshold</span>`,
    ...(['WARNING', 'CRITICAL', 'FAILED', 'RESOLVED'] as const).map(
      (severity) => `<span>${dot(severity)}${severity} sent</span>`,
    ),
  ];
  return `<div class="legend">${items.join('\n')}</div>`;
}

// ---- tables and hand-off -------------------------------------------------------------------------

function allWindows(data: ReportData): ServiceWindow[] {
  return data.services
    .flatMap((service) => service.windows.map((window) => ({ ...window, key: service.key })))
    .sort((a, b) => a.start - b.start);
}

function windowsTableHtml(windows: readonly ServiceWindow[], now: Instant, format: TimeFormatter): string {
  if (windows.length === 0) return '<p>No impact window overlaps this range.</p>';
  const body = windows.map((window) => {
    const row = windowRow(window, now, format);
    return (
      `<tr${attrs({ 'data-window-row': formatInstant(window.start), 'data-service': row.service })}>` +
      `<td class="time">${esc(row.start)}</td>` +
      `<td class="time">${row.end === null ? '<span class="open">open</span>' : esc(row.end)}</td>` +
      `<td>${esc(`${humanDuration(row.durationSeconds * 1000)}${row.open ? ' so far' : ''}`)}</td>` +
      `<td>${esc(row.service)}</td><td class="mono">${esc(row.account)}</td><td>${esc(row.region)}</td>` +
      `<td>${esc(row.peakSeverity)}</td><td>${row.stacks.map(esc).join('<br>')}</td></tr>`
    );
  });
  return (
    `<table data-table="windows"><thead><tr><th>start</th><th>end</th><th>duration</th><th>service</th><th>acc` +
    `ount</th><th>region</th><th>peak ` +
    `severity</th><th>stacks</th></tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody></table>`
  );
}

/** The `windows` command that returns this window, with the data source the report read. */
function windowsCommand(window: ServiceWindow, sourceArgs: readonly string[] | undefined): string {
  const range =
    window.end === null
      ? ['--from', formatInstant(window.start), '--open']
      : ['--from', formatInstant(window.start), '--to', formatInstant(window.end)];
  const where = ['--service', window.key.service, '--account', window.key.account, '--region', window.key.region];
  return ['cfn-watchdog', 'windows', ...(sourceArgs ?? []), ...where, ...range, '--format', 'json']
    .map(shellWord)
    .join(' ');
}

function handOffHtml(windows: readonly ServiceWindow[], sourceArgs: readonly string[] | undefined): string {
  if (windows.length === 0) return '';
  const sections = windows.map((window) => {
    const start = formatInstant(window.start);
    const end = window.end === null ? null : formatInstant(window.end);
    const interval = end === null ? `[${start}, …)  (still open: no end yet)` : `[${start}, ${end})`;
    const predicate =
      end === null ? `uploaded_at >= '${start}'` : `uploaded_at >= '${start}' AND uploaded_at < '${end}'`;
    const where = `${window.key.service} · ${window.key.account} · ${window.key.region}`;
    return (
      `<section${attrs({ 'data-handoff': start, 'data-service': window.key.service })}>\n` +
      `<h3>${esc(`${where}, from ${start}`)}</h3>\n` +
      `<p class="note">Half-open interval, UTC: the start is inside the window, the end is not.</p>\n` +
      `<pre data-handoff-interval>${esc(interval)}</pre>\n` +
      `<p class="note">As a predicate (<code>uploaded_at</code> is an example column name: use the time column of ` +
      `the work to re-process):</p>\n` +
      `<pre data-handoff-predicate>${esc(predicate)}</pre>\n` +
      `<p class="note">The same window as JSON, from the watchdog's store:</p>\n` +
      `<pre data-handoff-command>${esc(windowsCommand(window, sourceArgs))}</pre>\n` +
      (sourceArgs === undefined || sourceArgs.length === 0
        ? '<p class="note">Add the data source (--db DIR, --endpoint URL or --table NAME) before running it.</p>\n'
        : '') +
      '</section>'
    );
  });
  return `<h2>Recovery hand-off</h2>\n${sections.join('\n')}`;
}

function operationsTableHtml(data: ReportData, format: TimeFormatter): string {
  const rows = data.services.flatMap((service) =>
    service.stacks.flatMap((stack) =>
      stack.operations.map((operation) => {
        const stop = operationStop(operation);
        return (
          `<tr${attrs({ 'data-operation-row': operation.type, 'data-stack-id': operation.stackId })}>` +
          `<td class="name">${esc(operation.stackName)}</td><td ` +
          `class="name">${esc(service.key.service)}</td><td>${esc(operation.type)}</td>` +
          `<td class="time">${esc(format(operation.start))}</td><td ` +
          `class="time">${stop === null ? '<span class="open">running</span>' : esc(format(stop))}</td>` +
          `<td>${esc(humanDuration(operationDuration(operation, data.generatedAt)))}</td><td>` +
          `${esc(finalStatusText(operation))}</td><td>${esc(operationReason(operation))}</td></tr>`
        );
      }),
    ),
  );
  if (rows.length === 0) return '';
  return (
    `<h2>Operations</h2>\n<table ` +
    `data-table="operations"><thead><tr><th>stack</th><th>service</th><th>operation</th><th>start</th><th>end</th><` +
    `th>duration</th><th>final status</th><th>latest ` +
    `reason</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`
  );
}

function notificationsTableHtml(data: ReportData, format: TimeFormatter): string {
  const rows = data.services
    .flatMap((service) => service.notifications.map((notification) => ({ notification, service: service.key.service })))
    .sort((a, b) => a.notification.at - b.notification.at)
    .map(
      ({ notification, service }) =>
        `<tr${attrs({ 'data-notification-row': notification.severity })}><td ` +
        `class="time">${esc(format(notification.at))}</td><td>${esc(notification.severity)}</td><td>` +
        `${esc(notification.stackName)}</td><td>${esc(service)}</td></tr>`,
    );
  if (rows.length === 0) return '';
  return (
    `<h2>Notifications sent</h2>\n<table ` +
    `data-table="notifications"><thead><tr><th>sent</th><th>severity</th><th>stack</th><th>service</th></tr></thead` +
    `>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`
  );
}

/**
 * Renders the report as one self-contained HTML document: inline CSS and SVG, no script and no
 * URL, so that it renders offline. Elements carry `data-*` attributes (UTC times, x positions)
 * for tests and tools; printed times follow `options.tz`.
 *
 * @example
 * const data = await loadReportData(store, { from, to }, config, Date.now());
 * await writeFile('report.html', renderReport(data, { tz: 'Europe/Berlin', sourceArgs: ['--db', './incident'] }));
 */
export function renderReport(data: ReportData, options: ReportOptions = {}): string {
  const format = zonedFormatter(options.tz);
  const zoneName = options.tz ?? 'UTC';
  const windows = allWindows(data);
  const stackCount = data.services.reduce((count, service) => count + service.stacks.length, 0);
  const title = `cfn-watchdog report: ${format(data.from)} to ${format(data.to)}`;
  const range = attrs({ 'data-range-from': formatInstant(data.from), 'data-range-to': formatInstant(data.to) });
  const generatedAt = attrs({ 'data-generated-at': formatInstant(data.generatedAt) });
  const contents = [
    plural(windows.length, 'impact window'),
    plural(data.services.length, 'service'),
    plural(stackCount, 'stack'),
  ].join(', ');
  const chart =
    stackCount === 0
      ? '<p>No stack of a service with an impact window had an operation in this range.</p>'
      : `<div class="chart">\n${chartSvg(data, format, zoneName)}\n</div>\n${legendHtml()}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<dl class="meta">
<dt>range</dt><dd${range}>${esc(`${format(data.from)} to ${format(data.to)}`)}</dd>
<dt>times in</dt><dd>${esc(zoneName)}</dd>
<dt>thresholds</dt><dd data-thresholds>${esc(formatThresholds(data.thresholds))}</dd>
<dt>generated</dt><dd${generatedAt}>${esc(format(data.generatedAt))}</dd>
<dt>contents</dt><dd>${esc(contents)}</dd>
</dl>
<h2>Timeline</h2>
${chart}
<h2>Impact windows</h2>
${windowsTableHtml(windows, data.generatedAt, format)}
${handOffHtml(windows, options.sourceArgs)}
${operationsTableHtml(data, format)}
${notificationsTableHtml(data, format)}
</body>
</html>
`;
}
