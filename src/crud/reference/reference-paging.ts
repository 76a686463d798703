import { FieldProblem, validationError } from '../../core/validation';

/** The reference's paging envelope (iris-desktop-api.md §1.5); IRIS reads `data` and `totalRecords`. */
export interface ReferencePage<T> {
  data: T[];
  currentPage: number;
  pageSize: number;
  totalRecords: number;
  totalPages: number;
}

/** Reference repositories cap pages at 100 rows; a list asked without paging gets the first 100. */
export const REFERENCE_PAGE_SIZE = { default: 100, max: 100 } as const;

/**
 * `page` and `pageSize` read case-insensitively (ASP.NET binding). A value that is not a positive
 * integer is a 400 (the reference answers 500); a larger pageSize is capped at 100, as its
 * repositories do (IRIS's volunteer picker asks for 1000).
 */
export function referencePaging(query: Record<string, unknown>): { page: number; pageSize: number } {
  const problems: FieldProblem[] = [];
  const read = (name: string): number | undefined => {
    const entry = Object.entries(query).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (!entry) return undefined;
    const value = typeof entry[1] === 'string' && /^\d{1,9}$/.test(entry[1]) ? Number(entry[1]) : NaN;
    if (!(value >= 1)) problems.push({ field: name, problems: ['must be a positive integer'] });
    return value;
  };
  const page = read('page') ?? 1;
  const pageSize = Math.min(read('pageSize') ?? REFERENCE_PAGE_SIZE.default, REFERENCE_PAGE_SIZE.max);
  if (problems.length) throw validationError(problems);
  return { page, pageSize };
}

/** The envelope with the applied page and size and the real page count (the reference echoes the raw query and sets totalPages = totalRecords). */
export function referencePage<T>(data: T[], page: number, pageSize: number, totalRecords: number): ReferencePage<T> {
  return { data, currentPage: page, pageSize, totalRecords, totalPages: Math.ceil(totalRecords / pageSize) };
}
