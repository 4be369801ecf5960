/** 1-based line numbers of offsets in one text, from a single scan of its line breaks. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) this.starts.push(index + 1);
  }

  /** The line of `offset`; an offset at the very end (an unclosed quote) belongs to the last line, not the one after it. */
  lineAt(offset: number | undefined): number | undefined {
    if (offset === undefined) return undefined;
    const end = Math.min(offset, this.text.endsWith('\n') ? this.text.length - 1 : this.text.length);
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] ?? 0) <= end) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  /** The line where `needle` first appears, if it does. */
  lineOfText(needle: string): number | undefined {
    const offset = this.text.indexOf(needle);
    return offset === -1 ? undefined : this.lineAt(offset);
  }
}
