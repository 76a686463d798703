import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AppError } from '../../../src/core/errors/app-error';
import { codeOfHttpStatus, ERROR_STATUS, ErrorCode, httpStatusOf, isErrorCode, isStatusOf } from '../../../src/core/errors/error-codes';

const SRC = join(__dirname, '../../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'static' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every `new AppError(<status>, '<code>'` and `detailError(<status>, '<code>'` written in src. */
function statedPairs(): { where: string; status: number; code: string }[] {
  const pattern = /(?:new AppError|detailError)\(\s*(\d{3}),\s*'(ERR_[A-Z0-9_]+)'/g;
  return sources(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(pattern)].map((m) => ({ where: `${relative(SRC, file)}:${text.slice(0, m.index).split('\n').length}`, status: Number(m[1]), code: m[2] }));
  });
}

describe('error-code vocabulary', () => {
  it('every status written next to a code in src is the one the vocabulary maps it to', () => {
    const pairs = statedPairs();
    expect(pairs.length).toBeGreaterThan(50);
    const wrong = pairs.filter((p) => !isErrorCode(p.code) || !isStatusOf(p.code, p.status)).map((p) => `${p.where}: ${p.status} ${p.code}`);
    expect(wrong).toEqual([]);
  });

  it('maps each code to one default status, and bare HTTP statuses to a code', () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
      expect(isStatusOf(code, httpStatusOf(code))).toBe(true);
    }
    expect(httpStatusOf('ERR_NODE_NOT_AUTHORIZED')).toBe(409);
    expect(isStatusOf('ERR_NODE_NOT_AUTHORIZED', 400)).toBe(true);
    expect(isStatusOf('ERR_VALIDATION', 422)).toBe(false);
    expect(codeOfHttpStatus(404)).toBe('ERR_NOT_FOUND');
    expect(codeOfHttpStatus(418)).toBe('ERR_BAD_REQUEST');
    expect(codeOfHttpStatus(504)).toBe('ERR_INTERNAL');
  });

  it('AppError.of takes the status from the vocabulary; relayed codes keep the peer\'s code', () => {
    expect(AppError.of('ERR_WINDOW_EXPIRED', 'gone').toBody()).toEqual({ error: 'ERR_WINDOW_EXPIRED', message: 'gone' });
    expect(AppError.of('ERR_WINDOW_EXPIRED', 'gone').status).toBe(410);
    expect(AppError.relayed(502, 'ERR_SOMETHING_OF_A_PEER', 'x')).toMatchObject({ status: 502, code: 'ERR_SOMETHING_OF_A_PEER' });
  });
});
