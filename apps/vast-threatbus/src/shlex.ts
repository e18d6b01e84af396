/**
 * POSIX shell-like splitting, as Python's `shlex.split` (spec/vast-app.md §7):
 * spaces, tabs and newlines separate words, single quotes are literal, inside
 * double quotes only `\"` and `\\` are escapes, a backslash outside quotes
 * escapes the next character. No expansion of any kind; no shell is run.
 */
import { ErrorCode, ThreatBusError } from 'threatbus';
/** A command in the config cannot be split into words (an unclosed quote, a trailing backslash). */
export class ShlexError extends ThreatBusError {
  override readonly name = 'ShlexError';
  constructor(message: string) {
    super(ErrorCode.CONFIG_INVALID, message);
  }
}

export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (' \t\r\n'.includes(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShlexError('No closing quotation');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= text.length) throw new ShlexError('No closing quotation');
        const c = text[i];
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\' && i + 1 < text.length && '"\\'.includes(text[i + 1])) {
          word += text[i + 1];
          i += 2;
        } else {
          word += c;
          i++;
        }
      }
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new ShlexError('No escaped character');
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
