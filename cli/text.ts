/**
 * Wording the commands share, in their outputs and their messages.
 */

/** `1 window`, `3 windows`. */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
