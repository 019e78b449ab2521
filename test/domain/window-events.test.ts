import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OperationSeverity } from '../../shared/domain/severity.ts';
import {
  planWindowAnnouncements,
  WindowEventType,
  windowEventOf,
  type WindowAnnouncement,
} from '../../shared/domain/window-events.ts';
import type { ImpactWindow } from '../../shared/domain/windows.ts';
import { serviceKey, t } from '../support/states.ts';

const NOW = t('12:00');

function window(
  start: string,
  end: string | null,
  peakSeverity: OperationSeverity = 'WARNING',
  stacks = ['api'],
): ImpactWindow {
  return { start: t(start), end: end === null ? null : t(end), peakSeverity, stacks, awaitingReplacementSince: null };
}

function said(
  type: WindowEventType,
  windowStart: string,
  revision: number,
  end: string | null,
  sent: boolean,
  start = windowStart,
): WindowAnnouncement {
  return {
    type,
    windowStart: t(windowStart),
    revision,
    start: t(start),
    end: end === null ? null : t(end),
    peakSeverity: 'WARNING',
    stacks: ['api'],
    withdrawn: false,
    claimedAt: t('10:30'),
    delivery: sent ? { state: 'sent', at: t('10:30') } : { state: 'pending' },
  };
}

const { OPENED, CLOSED } = WindowEventType;
const summary = (due: readonly WindowAnnouncement[]) =>
  due.map((item) => [
    item.type,
    new Date(item.windowStart).toISOString().slice(11, 16),
    item.revision,
    item.end === null ? null : new Date(item.end).toISOString().slice(11, 16),
    item.withdrawn,
  ]);

describe('planWindowAnnouncements: what is due', () => {
  it.each([
    {
      case: 'announces a window that opened',
      windows: [window('10:00', null)],
      kept: [],
      due: [[OPENED, '10:00', 0, null, false]],
    },
    {
      case: 'announces the opening, and not yet the close, of a window that opened and closed between two writes',
      windows: [window('10:00', '10:40')],
      kept: [],
      due: [[OPENED, '10:00', 0, null, false]],
    },
    {
      case: 'announces nothing while an announced window stays open',
      windows: [window('10:00', null)],
      kept: [said(OPENED, '10:00', 0, null, true)],
      due: [],
    },
    {
      case: 'announces the close of a window whose opening was sent',
      windows: [window('10:00', '10:40')],
      kept: [said(OPENED, '10:00', 0, null, true)],
      due: [[CLOSED, '10:00', 1, '10:40', false]],
    },
    {
      case: 'holds the close back while the opening is still unsent (never a close before its open)',
      windows: [window('10:00', '10:40')],
      kept: [said(OPENED, '10:00', 0, null, false)],
      due: [],
    },
    {
      case: 'announces a close once',
      windows: [window('10:00', '10:40')],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '10:40', true)],
      due: [],
    },
    {
      case: 'waits for a pending close before announcing another',
      windows: [window('10:00', '10:50')],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '10:40', false)],
      due: [],
    },
    {
      case: 'announces the close again, same window id, when a late event moved the end',
      windows: [window('10:00', '10:50')],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '10:40', true)],
      due: [[CLOSED, '10:00', 2, '10:50', false]],
    },
    {
      case: 'announces the opening again, same window id, when a late event re-opened a closed window',
      windows: [window('10:00', null)],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '10:40', true)],
      due: [[OPENED, '10:00', 2, null, false]],
    },
    {
      case: 'keeps the window id when a late event moves the start earlier',
      windows: [window('09:50', '10:40')],
      kept: [said(OPENED, '10:00', 0, null, true)],
      due: [[CLOSED, '10:00', 1, '10:40', false]],
    },
    {
      case: 'withdraws an announced window that a late completion showed never was',
      windows: [],
      kept: [said(OPENED, '10:00', 0, null, true)],
      due: [[CLOSED, '10:00', 1, '10:00', true]],
    },
    {
      case: 'opens a withdrawn window id again when a window comes back over it',
      windows: [window('09:55', null)],
      kept: [said(OPENED, '10:00', 0, null, true), { ...said(CLOSED, '10:00', 1, '10:00', true), withdrawn: true }],
      due: [[OPENED, '10:00', 2, null, false]],
    },
    {
      case: 'closes both ids of two announced windows that a late event merged',
      windows: [window('10:00', '11:00')],
      kept: [said(OPENED, '10:00', 0, null, true), said(OPENED, '10:30', 0, null, true)],
      // The later id is withdrawn: the surviving id's Closed covers its interval, re-processed once.
      due: [
        [CLOSED, '10:00', 1, '11:00', false],
        [CLOSED, '10:30', 1, '10:30', true],
      ],
    },
    {
      case:
        "keeps the id, and says nothing, when a late completion moves an open window's start later (the " +
        'disruption went on)',
      windows: [window('10:05', null)],
      kept: [said(OPENED, '10:00', 0, null, true)],
      due: [],
    },
    {
      case: 'announces the close again when a late event moved the start of a closed window earlier',
      windows: [window('09:50', '10:40')],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '10:40', true)],
      due: [[CLOSED, '10:00', 2, '10:40', false]],
    },
    {
      case: 'gives a window that split off an id of its own',
      windows: [window('10:00', '10:20'), window('10:50', null)],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '11:00', true)],
      due: [
        [CLOSED, '10:00', 2, '10:20', false],
        [OPENED, '10:50', 0, null, false],
      ],
    },
    {
      case: 'announces what an id needs before the Opened of a new window',
      windows: [window('09:00', '09:30')],
      kept: [said(OPENED, '10:00', 0, null, true)],
      due: [
        [CLOSED, '10:00', 1, '10:00', true],
        [OPENED, '09:00', 0, null, false],
      ],
    },
    {
      case: 'announces the second window of a service on its own',
      windows: [window('10:00', '10:40'), window('11:00', null)],
      kept: [said(OPENED, '10:00', 0, null, true), said(CLOSED, '10:00', 1, '10:40', true)],
      due: [[OPENED, '11:00', 0, null, false]],
    },
  ])('$case', ({ windows, kept, due }) => {
    // Act
    const result = planWindowAnnouncements(windows, kept, NOW).due;

    // Assess
    expect(summary(result)).toEqual(due);
    expect(result.every((item) => item.claimedAt === NOW && item.delivery.state === 'pending')).toBe(true);
  });

  it('says what the window is when claimed: start, end, peak severity and stacks', () => {
    // Act
    const [closed] = planWindowAnnouncements(
      [window('09:50', '10:40', 'CRITICAL', ['core', 'scan'])],
      [said(OPENED, '10:00', 0, null, true)],
      NOW,
    ).due;

    // Assess
    expect(closed).toEqual({
      type: CLOSED,
      windowStart: t('10:00'),
      revision: 1,
      start: t('09:50'),
      end: t('10:40'),
      peakSeverity: 'CRITICAL',
      stacks: ['core', 'scan'],
      withdrawn: false,
      claimedAt: NOW,
      delivery: { state: 'pending' },
    });
  });

  it("tells each window's story to the end, however late events reshape the windows between writes", () => {
    // Any sequence of window lists (disjoint, some open), as late events can make them appear to
    // successive writes; then the final list, long enough for every story to settle.
    const windowList = fc
      .array(
        fc.record({
          gap: fc.integer({ min: 1, max: 10 }),
          length: fc.integer({ min: 0, max: 10 }),
          open: fc.boolean(),
        }),
        { maxLength: 4 },
      )
      .map((spans) => {
        const windows: ImpactWindow[] = [];
        let cursor = 0;
        for (const { gap, length, open } of spans) {
          const start = (cursor + gap) * 60_000;
          windows.push({
            start,
            end: open ? null : start + length * 60_000,
            peakSeverity: 'WARNING',
            stacks: [],
            awaitingReplacementSince: null,
          });
          cursor += gap + length + 1;
          if (open) break;
        }
        return windows;
      });
    fc.assert(
      fc.property(fc.array(windowList, { maxLength: 6 }), windowList, (steps, finals) => {
        let kept: WindowAnnouncement[] = [];
        for (const windows of [...steps, ...Array.from({ length: 8 }, () => finals)]) {
          // The bus accepts everything; each write marks what it claimed as sent.
          kept = [
            ...kept,
            ...planWindowAnnouncements(windows, kept, NOW).due.map((item) => ({
              ...item,
              delivery: { state: 'sent' as const, at: NOW },
            })),
          ];
        }
        const byId = new Map<number, WindowAnnouncement[]>();
        for (const item of kept) byId.set(item.windowStart, [...(byId.get(item.windowStart) ?? []), item]);
        const lasts = [...byId.values()].map((story) => {
          expect(story.map((item) => item.revision)).toEqual(story.map((_, index) => index));
          expect(story[0]?.type).toBe(OPENED);
          story.slice(1).forEach((item, index) => {
            expect(item.type === OPENED && story[index]?.type === OPENED).toBe(false);
          });
          return story.at(-1) as WindowAnnouncement;
        });
        // What downstream believes now: one open id per open window, one closed id per closed
        // window with exactly its bounds, and every other id closed.
        const openWindows = finals.filter((w) => w.end === null);
        expect(lasts.filter((last) => last.type === OPENED)).toHaveLength(openWindows.length);
        for (const w of finals.filter((candidate) => candidate.end !== null)) {
          expect(
            lasts.filter(
              (last) => last.type === CLOSED && !last.withdrawn && last.start === w.start && last.end === w.end,
            ),
          ).toHaveLength(1);
        }
      }),
    );
  });
});

describe('windowEventOf', () => {
  it('names the window by service and the start it opened with, and writes times as ISO-8601 UTC with Z', () => {
    // Prepare
    const closed = {
      ...said(CLOSED, '10:00', 1, '10:40', true, '09:50'),
      peakSeverity: 'FAILED' as const,
      stacks: ['api', 'api-v2'],
    };

    // Act
    const event = windowEventOf(serviceKey('api'), closed);

    // Assess
    expect(event).toEqual({
      detailType: 'Impact Window Closed',
      detail: {
        windowId: '123456789012#eu-west-1#api#2024-03-05T10:00:00Z',
        revision: 1,
        service: 'api',
        account: '123456789012',
        region: 'eu-west-1',
        start: '2024-03-05T09:50:00Z',
        end: '2024-03-05T10:40:00Z',
        peakSeverity: 'FAILED',
        stacks: ['api', 'api-v2'],
        withdrawn: false,
      },
    });
  });
});
