export interface ConsumedRecord<T> {
  value: T;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

/** A failure that retrying cannot fix; the record is dead-lettered with this message. */
export class UnprocessableRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = UnprocessableRecordError.name;
  }
}
