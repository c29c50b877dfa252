/** The seqs that are multiples of `every` after `afterSeq`, up to and including `headSeq`. */
export function periodicCheckpointSeqs(afterSeq: number, headSeq: number, every: number): number[] {
  const seqs: number[] = [];
  for (let seq = (Math.floor(afterSeq / every) + 1) * every; seq <= headSeq; seq += every) {
    seqs.push(seq);
  }
  return seqs;
}

/**
 * Whether the head needs a checkpoint of its own: the oldest entry no checkpoint covers yet was
 * recorded at least `intervalMs` ago, so no entry stays unsigned for longer than that (plus one
 * round of the checkpointer).
 */
export function headCheckpointDue(
  oldestUncoveredRecordedAt: string | null,
  now: Date,
  intervalMs: number,
): boolean {
  if (oldestUncoveredRecordedAt === null) return false;
  return now.getTime() - Date.parse(oldestUncoveredRecordedAt) >= intervalMs;
}
