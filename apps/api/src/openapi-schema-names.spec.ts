import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Swagger keys the OpenAPI schemas by class name: two response DTOs called alike in two contexts
 * make one silently replace the other in the document. Every DTO class name must be unique.
 */
describe('OpenAPI schema names', () => {
  const root = join(__dirname, '..', '..', '..');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
    });

  it('has no two DTO classes with the same name', () => {
    const seen = new Map<string, string[]>();
    for (const dir of ['libs', 'apps']) {
      for (const file of files(join(root, dir))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/export class (\w+Dto)\b/g)) {
          seen.set(m[1], [...(seen.get(m[1]) ?? []), file.slice(root.length + 1)]);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter(([, where]) => where.length > 1)).toEqual([]);
  });
});
