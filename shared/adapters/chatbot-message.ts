/**
 * A notification as an Amazon Q Developer in chat applications (AWS Chatbot) custom
 * notification, for Slack and Teams channels subscribed to the topic:
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
import { explainThreshold } from '../domain/adaptive.ts';
import type { Notification } from '../domain/notification.ts';
import { Severity } from '../domain/severity.ts';
import { whereNested } from '../domain/resources.ts';
import { formatInstant, humanDuration } from '../domain/time.ts';
import { adviceOf, capped, consoleLink, MAX_LISTED_RESOURCES, subjectOf } from './sns-message.ts';

/** The custom notification schema's fields that this watchdog fills in. */
export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: readonly string[];
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/**
 * The documentation gives no lengths for these fields; these keep a message short in a channel,
 * and far below SNS's 256 KB.
 */
export const CHATBOT_LIMITS = {
  title: 250,
  description: 3500,
  nextSteps: 6,
  nextStep: 500,
  keywords: 5,
  keyword: 50,
} as const;

/** The field's convention in Slack: a colour-coded emoji, since custom notifications have no colour. */
const EMOJI: Readonly<Record<Severity, string>> = {
  [Severity.INFO]: ':information_source:',
  [Severity.WARNING]: ':warning:',
  [Severity.CRITICAL]: ':rotating_light:',
  [Severity.FAILED]: ':x:',
  [Severity.RESOLVED]: ':white_check_mark:',
};

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * One thread per operation: its WARNING, CRITICAL, FAILED and RESOLVED follow one another in a
 * channel instead of four loose messages.
 *
 * @example
 * threadIdOf(n); // 'arn:aws:cloudformation:…:stack/trustsource-core-prod/…#DELETE#2021-09-21T19:09:00Z'
 */
export function threadIdOf(n: Pick<Notification, 'stackId' | 'operation' | 'incidentStart'>): string {
  return `${n.stackId}#${n.operation}#${formatInstant(n.incidentStart)}`;
}

function description(n: Notification): string {
  const lines = [
    `*Stack* ${n.stackName} · *service* ${n.service} · ${n.account} / ${n.region}`,
    `*${n.operation}* started ${formatInstant(n.startedAt)}, ${humanDuration(n.elapsedMs)} ago · status ` +
      `\`${n.status}\`${n.statusReason ? `: ${capped(n.statusReason)}` : ''}`,
  ];
  const unusual = n.threshold ? explainThreshold(n.threshold, n.elapsedMs, n.operation) : null;
  if (unusual) lines.push(`*Adaptive threshold:* ${unusual}`);
  if (n.resourcesInProgress.length > 0) {
    lines.push('*Still in progress:*');
    for (const r of n.resourcesInProgress.slice(0, MAX_LISTED_RESOURCES)) {
      lines.push(
        `• \`${r.logicalResourceId}\` (${r.resourceType})${whereNested(r)} ${r.status} since ` +
          `${formatInstant(r.since)}${r.statusReason ? ` — ${capped(r.statusReason)}` : ''}`,
      );
    }
    const more = n.resourcesInProgress.length - MAX_LISTED_RESOURCES;
    if (more > 0) lines.push(`• … and ${more} more`);
  }
  for (const advice of adviceOf(n)) {
    lines.push(
      `*Likely cause:* ` +
        `${advice.cause}${advice.typically ? ` _Usually ${advice.typically}._` : ''}` +
        `${advice.source ? ` (<${advice.source}|source>)` : ''}`,
    );
  }
  return lines.join('\n');
}

/**
 * The custom notification for `n`: the severity's emoji and the headline as title, what is stuck
 * and why as description, the next steps (ending with the stack's events in the console).
 *
 * @example
 * JSON.stringify(chatbotMessageOf(n)); // the `https` message of the SNS publish
 */
export function chatbotMessageOf(n: Notification): ChatbotNotification {
  // The console link is always the last step, whatever the advice leaves room for.
  const advised = adviceOf(n)
    .flatMap((advice) => advice.nextSteps)
    .slice(0, CHATBOT_LIMITS.nextSteps - 1);
  const nextSteps = [...advised, `<${consoleLink(n)}|Open the stack's events in the console>`].map((step) =>
    cut(step, CHATBOT_LIMITS.nextStep),
  );
  return {
    version: '1.0',
    source: 'custom',
    id: `${threadIdOf(n)}#${n.severity}#${formatInstant(n.at)}`,
    content: {
      textType: 'client-markdown',
      title: cut(`${EMOJI[n.severity]} ${subjectOf(n)}`, CHATBOT_LIMITS.title),
      description: cut(description(n), CHATBOT_LIMITS.description),
      nextSteps,
      keywords: [n.severity, n.service, n.operation, n.region]
        .slice(0, CHATBOT_LIMITS.keywords)
        .map((keyword) => cut(keyword, CHATBOT_LIMITS.keyword)),
    },
    metadata: {
      threadId: threadIdOf(n),
      summary: subjectOf(n),
      eventType: `cfn-watchdog ${n.severity}`,
      relatedResources: [n.stackId],
      additionalContext: {
        account: n.account,
        region: n.region,
        service: n.service,
        stackName: n.stackName,
        severity: n.severity,
      },
    },
  };
}
