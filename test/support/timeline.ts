import { Clock } from '@app/domain';

/**
 * Instants (`HH:MM`) on the day after the clock's current day, so that each test of a file sharing
 * one clock has a fresh timeline.
 */
export function nextDay(clock: Clock): (time: string) => string {
  const day = new Date(clock.now().getTime() + 24 * 3600_000).toISOString().slice(0, 10);
  return (time: string) => `${day}T${time}:00.000Z`;
}
