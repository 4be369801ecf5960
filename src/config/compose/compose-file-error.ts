/** What Compose itself would refuse in a compose file: said with the line and the file at fault. */
export class ComposeFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    /** The file at fault when it is not the main one (an included file). */
    readonly file?: string,
  ) {
    super(message);
  }
}
