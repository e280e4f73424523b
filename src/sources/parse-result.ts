/** What every parser returns: the records it could read and how many lines it could not. */
export interface ParseResult<T> {
  readonly records: T[];
  readonly rejected: number;
}
