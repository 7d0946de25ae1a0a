/**
 * Uploaded CSV arrives already decoded by the body parser: as UTF-8 unless the Content-Type names
 * another charset (`text/csv; charset=gbk` works). A GBK or UTF-16 file sent as UTF-8, or a binary
 * file, decodes to U+FFFD replacement characters and NULs; importing that would store garbage names,
 * so the whole file is refused with the line of the first bad character.
 */
export interface CsvEncodingProblem {
  line: number;
  reason: string;
}

// eslint-disable-next-line no-control-regex -- NUL is exactly what we look for
const BAD_CHAR = /[\uFFFD\u0000]/;

export function csvEncodingProblem(text: string): CsvEncodingProblem | null {
  const at = text.search(BAD_CHAR);
  if (at < 0) return null;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  const reason =
    text[at] === '\u0000'
      ? 'contains NUL bytes: it looks like UTF-16 or a binary file'
      : 'is not valid UTF-8 (GBK from Excel?): save it as "CSV UTF-8", or send it with Content-Type: text/csv; charset=gbk';
  return { line, reason };
}
