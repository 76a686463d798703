import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';

/**
 * The build context `docker build -f docker/Dockerfile .` gets from a clean checkout: the tracked
 * files (what a fresh clone holds, never the working directory's node_modules or dist) less
 * docker/Dockerfile.dockerignore. Shared by test/unit/docker/build-context.spec.ts and the dry build.
 */
export interface BuildContext {
  /** Paths relative to the checkout root, `/`-separated. */
  files: string[];
  /** Where the list came from: `git ls-files`, or a walk of a copy without .git. */
  from: 'git ls-files' | 'directory walk';
}

export const DOCKERIGNORE = 'docker/Dockerfile.dockerignore';

/** Tracked files of the checkout; a copy without .git falls back to the tree less .git, node_modules and dist. */
export function checkoutFiles(root: string): Pick<BuildContext, 'files' | 'from'> {
  try {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    return { files, from: 'git ls-files' };
  } catch {
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
        const path = dir ? `${dir}/${e.name}` : e.name;
        if (['.git', 'node_modules', 'dist'].includes(e.name)) return [];
        return e.isDirectory() ? walk(path) : [path];
      });
    return { files: walk(''), from: 'directory walk' };
  }
}

/** .dockerignore semantics: patterns relative to the context root, `*` within a segment, `**` across, `!` re-includes. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = normalize(l.replace(/^!/, '').replace(/^\/+/, '')).replace(/\/+$/, '');
      const source = pattern
        .split('/')
        .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/');
      // A pattern matches a path or any directory above it (excluding a directory excludes its contents).
      return { negate, regex: new RegExp(`^${source}(/.*)?$`) };
    });
  return (path) => rules.reduce((excluded, rule) => (rule.regex.test(path) ? !rule.negate : excluded), false);
}

/** The checkout's files that reach the build: tracked, present in the tree (a deleted one is not sent), not ignored. */
export function buildContext(root: string): BuildContext {
  const excluded = dockerignore(readFileSync(join(root, DOCKERIGNORE), 'utf8'));
  const present = (file: string) => {
    try {
      lstatSync(join(root, file));
      return true;
    } catch {
      return false;
    }
  };
  const { files, from } = checkoutFiles(root);
  return { files: files.filter((f) => !excluded(f) && present(f)), from };
}
